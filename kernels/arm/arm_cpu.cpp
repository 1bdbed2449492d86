// The ARM levels this CPU runs, from the kernel's hardware capabilities (getauxval: AT_HWCAP
// asimddp for dotprod, AT_HWCAP2 i8mm; on 32-bit ARM, AT_HWCAP neon): the CPU checks the registry
// (kernels/isa_levels.cmake) names. Built for the target's baseline, like dispatch.cpp: a level's
// table is only touched after its check.
#include <sys/auxv.h>

namespace shoptalk::kernels::arm {

namespace {

// The HWCAP bits, as in the kernel's asm/hwcap.h (named here so no arch header is needed).
#if defined(__aarch64__)
constexpr unsigned long kHwcapAsimddp = 1ul << 20;
constexpr unsigned long kHwcap2I8mm = 1ul << 13;
#else
constexpr unsigned long kHwcapNeon = 1ul << 12;
#endif

}  // namespace

#if defined(__aarch64__)
bool cpu_has_neon() {
  return true;
}
bool cpu_has_dotprod() {
  return (getauxval(AT_HWCAP) & kHwcapAsimddp) != 0;
}
bool cpu_has_i8mm() {
  return cpu_has_dotprod() && (getauxval(AT_HWCAP2) & kHwcap2I8mm) != 0;
}
#else
bool cpu_has_neon() {
  return (getauxval(AT_HWCAP) & kHwcapNeon) != 0;
}
#endif

}  // namespace shoptalk::kernels::arm
