// The ARM levels this CPU runs, from the kernel's hardware capabilities (getauxval: AT_HWCAP
// asimddp for dotprod, AT_HWCAP2 i8mm; on 32-bit ARM, AT_HWCAP neon). Built for the target's
// baseline, like dispatch.cpp: a level's table is only touched after its check.
#include <sys/auxv.h>

#include "kernels/arm/arm.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/level_table.h"

namespace shoptalk::kernels::arm {

namespace {

// The HWCAP bits, as in the kernel's asm/hwcap.h (named here so no arch header is needed).
#if defined(__aarch64__)
constexpr unsigned long kHwcapAsimddp = 1ul << 20;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;
#else
constexpr unsigned long kHwcapNeon = 1ul << 12;
#endif

bool cpu_has(Isa isa) {
#if defined(__aarch64__)
  switch (isa) {
    case Isa::kNeon:
      return true;
    case Isa::kDotprod:
      return (getauxval(AT_HWCAP) & kHwcapAsimddp) != 0;
    case Isa::kI8mm:
      return (getauxval(AT_HWCAP) & kHwcapAsimddp) != 0 &&
             (getauxval(AT_HWCAP2) & kHwcap2I8mm) != 0;
    default:
      return false;
  }
#else
  return isa == Isa::kNeon && (getauxval(AT_HWCAP) & kHwcapNeon) != 0;
#endif
}

const char* feature_text(Isa isa) {
  switch (isa) {
    case Isa::kNeon:
      return "NEON (Advanced SIMD; 'neon' in /proc/cpuinfo)";
    case Isa::kDotprod:
      return "the ARMv8.2 dot product instructions ('asimddp' in /proc/cpuinfo)";
    default:
      return "the int8 matrix multiply instructions ('i8mm' in /proc/cpuinfo)";
  }
}

// The table getter of a level compiled into this build, or null.
TableFn compiled_table(Isa isa) {
  switch (isa) {
    case Isa::kNeon:
      return neon_table;
#if defined(SHOPTALK_HAVE_DOTPROD_KERNELS)
    case Isa::kDotprod:
      return dotprod_table;
#endif
#if defined(SHOPTALK_HAVE_I8MM_KERNELS)
    case Isa::kI8mm:
      return i8mm_table;
#endif
    default:
      return nullptr;
  }
}

}  // namespace

Isa best_isa() {
  return best_level({Isa::kI8mm, Isa::kDotprod, Isa::kNeon}, compiled_table, cpu_has);
}

Result<const KernelTable*> table_for(Isa isa) {
  return checked_level_table(isa, compiled_table(isa), cpu_has(isa), feature_text(isa));
}

}  // namespace shoptalk::kernels::arm
