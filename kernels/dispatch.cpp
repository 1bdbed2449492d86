// Start-up choice of the kernel table: SHOPTALK_ISA names a level, else the best level that is
// both compiled in and supported by this CPU, from the registry (kernels/isa_levels.cmake; the CPU
// checks are CPUID on x86: kernels/x86/x86_cpu.cpp, HWCAP on ARM: kernels/arm/arm_cpu.cpp). This
// file is built for the architecture's baseline (x86-64, ARMv8.0, ARMv7-A): it only calls into a
// SIMD table after the CPU check.
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/kernels.h"
#include "kernels/level_table.h"

namespace shoptalk::kernels {

namespace {

const IsaEntry& entry(Isa isa) {
  return kIsaRegistry[static_cast<int>(isa)];
}

bool runs(const IsaEntry& level) {
  return level.table && (!level.cpu_has || level.cpu_has());
}

// The best level compiled in that this CPU runs: the last one in registry order.
Isa best_isa() {
  for (int i = kIsaCount - 1; i > 0; --i)
    if (runs(kIsaRegistry[i])) return kIsaRegistry[i].isa;
  return Isa::kScalar;
}

}  // namespace

const char* isa_name(Isa isa) {
  return entry(isa).name;
}

Result<const KernelTable*> kernels_for(Isa isa) {
  const IsaEntry& level = entry(isa);
  if (!level.table)
    return Error(ErrorCode::kUnsupported,
                 std::string("kernel ISA '") + level.name + "' is not compiled into this build");
  if (level.cpu_has && !level.cpu_has())
    return Error(ErrorCode::kUnsupported, std::string("kernel ISA '") + level.name + "' needs " +
                                              level.cpu_needs + ", which this CPU lacks");
  return &level.table();
}

Result<Isa> isa_from_env() {
  const char* requested = std::getenv("SHOPTALK_ISA");
  if (!requested || !*requested) return best_isa();
  std::string names;
  for (const IsaEntry& level : kIsaRegistry) {
    if (std::strcmp(requested, level.name) == 0) return level.isa;
    names += names.empty() ? level.name : std::string(", ") + level.name;
  }
  return Error(ErrorCode::kInvalidArgument, std::string("SHOPTALK_ISA='") + requested +
                                                "' is not a kernel level (" + names + ")");
}

const KernelTable& active_kernels() {
  static const KernelTable* const chosen = [] {
    const Result<Isa> isa = isa_from_env();
    if (!isa) return &scalar_kernels();
    const Result<const KernelTable*> table = kernels_for(*isa);
    return table ? *table : &scalar_kernels();
  }();
  return *chosen;
}

}  // namespace shoptalk::kernels
