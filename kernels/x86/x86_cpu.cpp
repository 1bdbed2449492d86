// The x86 levels this CPU runs, from CPUID (GCC and Clang differ in which __builtin_cpu_supports
// names they accept) and XCR0 (the OS saves the vector state the level uses): the CPU checks the
// registry (kernels/isa_levels.cmake) names. Built for the x86-64 baseline, like dispatch.cpp: a
// level's table is only touched after its check.
#include <cpuid.h>

namespace shoptalk::kernels::x86 {

namespace {

struct CpuFeatures {
  bool avx2 = false;      // AVX, AVX2, FMA, F16C, BMI2 with YMM state enabled
  bool avx_vnni = false;  // AVX-VNNI (VEX vpdpbusd/vpdpwssd)
  bool avx512 = false;    // AVX-512 F, BW, VL, VNNI with ZMM and opmask state enabled
};

CpuFeatures read_cpu_features() {
  CpuFeatures f;
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
  const bool osxsave = c & (1u << 27), avx = c & (1u << 28), fma = c & (1u << 12),
             f16c = c & (1u << 29);
  if (!(osxsave && avx && fma && f16c)) return f;
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0x6u) != 0x6u) return f;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return f;
  f.avx2 = (b & (1u << 5)) && (b & (1u << 8));
  if (!f.avx2) return f;
  const bool avx512f = b & (1u << 16), avx512bw = b & (1u << 30), avx512vl = b & (1u << 31),
             avx512vnni = c & (1u << 11);
  f.avx512 = avx512f && avx512bw && avx512vl && avx512vnni && (xcr0_lo & 0xE0u) == 0xE0u;
  if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) f.avx_vnni = a & (1u << 4);
  return f;
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = read_cpu_features();
  return features;
}

}  // namespace

bool cpu_has_avx2() {
  return cpu_features().avx2;
}
bool cpu_has_avx_vnni() {
  return cpu_features().avx_vnni;
}
bool cpu_has_avx512() {
  return cpu_features().avx512;
}

}  // namespace shoptalk::kernels::x86
