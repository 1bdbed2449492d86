// Start-up choice of the kernel table: SHOPTALK_ISA names a level, else the best level that is
// both compiled in and supported by this CPU (CPUID on x86: kernels/x86/x86_cpu.cpp, HWCAP on ARM:
// kernels/arm/arm_cpu.cpp). This file is built for the architecture's baseline (x86-64,
// ARMv8.0, ARMv7-A): it only calls into a SIMD table after the CPU check.
#include <cstdlib>
#include <cstring>
#include <string>

#include "kernels/kernels.h"
#include "kernels/level_table.h"
#if defined(SHOPTALK_HAVE_X86_KERNELS)
#include "kernels/x86/x86.h"
#endif
#if defined(SHOPTALK_HAVE_ARM_KERNELS)
#include "kernels/arm/arm.h"
#endif

namespace shoptalk::kernels {

namespace {

constexpr Isa kAllIsas[] = {Isa::kScalar, Isa::kAvx2,    Isa::kAvxVnni, Isa::kAvx512,
                            Isa::kNeon,   Isa::kDotprod, Isa::kI8mm};

// The best level compiled in that this CPU runs.
Isa best_isa() {
#if defined(SHOPTALK_HAVE_X86_KERNELS)
  return x86::best_isa();
#endif
#if defined(SHOPTALK_HAVE_ARM_KERNELS)
  return arm::best_isa();
#endif
  return Isa::kScalar;
}

}  // namespace

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvxVnni:
      return "avx_vnni";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kNeon:
      return "neon";
    case Isa::kDotprod:
      return "dotprod";
    case Isa::kI8mm:
      return "i8mm";
  }
  return "unknown";
}

Result<const KernelTable*> checked_level_table(Isa isa, TableFn table, bool cpu_has,
                                               const char* cpu_needs) {
  if (!table)
    return Error(ErrorCode::kUnsupported,
                 std::string("kernel ISA '") + isa_name(isa) + "' is not compiled into this build");
  if (!cpu_has)
    return Error(ErrorCode::kUnsupported, std::string("kernel ISA '") + isa_name(isa) + "' needs " +
                                              cpu_needs + ", which this CPU lacks");
  return &table();
}

Result<const KernelTable*> kernels_for(Isa isa) {
  if (isa == Isa::kScalar) return &scalar_kernels();
#if defined(SHOPTALK_HAVE_X86_KERNELS)
  if (isa == Isa::kAvx2 || isa == Isa::kAvxVnni || isa == Isa::kAvx512) return x86::table_for(isa);
#endif
#if defined(SHOPTALK_HAVE_ARM_KERNELS)
  if (isa == Isa::kNeon || isa == Isa::kDotprod || isa == Isa::kI8mm) return arm::table_for(isa);
#endif
  return Error(ErrorCode::kUnsupported,
               std::string("kernel ISA '") + isa_name(isa) + "' is not compiled into this build");
}

Result<Isa> isa_from_env() {
  const char* requested = std::getenv("SHOPTALK_ISA");
  if (!requested || !*requested) return best_isa();
  for (Isa isa : kAllIsas) {
    if (std::strcmp(requested, isa_name(isa)) == 0) return isa;
  }
  return Error(ErrorCode::kInvalidArgument,
               std::string("SHOPTALK_ISA='") + requested +
                   "' is not a kernel level (scalar, avx2, avx_vnni, avx512, neon, dotprod, i8mm)");
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
