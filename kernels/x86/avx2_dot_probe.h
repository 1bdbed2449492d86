// The int8_dot_probe of the x86 levels (kernels/dot_probe.h): a level's dot step (avx2_int_dot.h)
// on 256-bit registers, 32 multiply-adds a step.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/dot_probe.h"
#include "kernels/x86/avx2_int_dot.h"

namespace shoptalk::kernels::x86 {
namespace {

template <class Dot>
struct X86ProbeOps {
  using Operand = __m256i;
  using Acc = __m256i;
  static constexpr int kMacsPerStep = 32;
  static __m256i splat(int8_t v) { return _mm256_set1_epi8(v); }
  static __m256i zero() { return _mm256_setzero_si256(); }
  static __m256i add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return Dot::dot(acc, u, s); }
  static void refresh(__m256i& v) { __asm__("" : "+v"(v)); }
  static void keep(__m256i v) { __asm__ volatile("" : : "v"(v)); }
};

}  // namespace
}  // namespace shoptalk::kernels::x86
