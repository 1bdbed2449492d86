// The x86 levels this CPU runs, from CPUID (GCC and Clang differ in which __builtin_cpu_supports
// names they accept) and XCR0 (the OS saves the vector state the level uses). Built for the
// x86-64 baseline, like dispatch.cpp: a level's table is only touched after its check.
#include <cpuid.h>

#include "kernels/level_table.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/x86.h"

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

bool cpu_has(Isa isa) {
  static const CpuFeatures features = read_cpu_features();
  switch (isa) {
    case Isa::kAvx2:
      return features.avx2;
    case Isa::kAvxVnni:
      return features.avx_vnni;
    case Isa::kAvx512:
      return features.avx512;
    default:
      return false;
  }
}

const char* feature_text(Isa isa) {
  switch (isa) {
    case Isa::kAvx2:
      return "AVX2, FMA, F16C and BMI2";
    case Isa::kAvxVnni:
      return "AVX-VNNI ('avx_vnni' in /proc/cpuinfo) besides AVX2";
    default:
      return "AVX-512 F, BW, VL and VNNI ('avx512_vnni' in /proc/cpuinfo)";
  }
}

// The table getter of a level compiled into this build, or null.
TableFn compiled_table(Isa isa) {
  switch (isa) {
    case Isa::kAvx2:
      return avx2_table;
#if defined(SHOPTALK_HAVE_AVX_VNNI_KERNELS)
    case Isa::kAvxVnni:
      return avx_vnni_table;
#endif
#if defined(SHOPTALK_HAVE_AVX512_KERNELS)
    case Isa::kAvx512:
      return avx512_table;
#endif
    default:
      return nullptr;
  }
}

}  // namespace

Isa best_isa() {
  return best_level({Isa::kAvx512, Isa::kAvxVnni, Isa::kAvx2}, compiled_table, cpu_has);
}

Result<const KernelTable*> table_for(Isa isa) {
  return checked_level_table(isa, compiled_table(isa), cpu_has(isa), feature_text(isa));
}

}  // namespace shoptalk::kernels::x86
