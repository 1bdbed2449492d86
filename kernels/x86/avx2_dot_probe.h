// The int8_dot_probe of the x86 levels: a level's dot step (avx2_int_dot.h) on 256-bit register
// operands in six independent chains. Each chain has its own operand pair, so the compiler cannot
// share one step between chains, and an empty asm makes the operands new every round, so no step
// leaves the loop; only the chains' int32 adds are serial, one cycle each.
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "kernels/x86/avx2_int_dot.h"

namespace shoptalk::kernels::x86 {
namespace {

template <typename Dot>
int64_t dot_probe(int64_t rounds) {
  constexpr int kChains = 6;  // with their six operands and a constant, all in registers
  __m256i u[2] = {_mm256_set1_epi8(3), _mm256_set1_epi8(7)};
  __m256i s[3] = {_mm256_set1_epi8(-5), _mm256_set1_epi8(9), _mm256_set1_epi8(-11)};
  __m256i acc[kChains];
  for (__m256i& a : acc) a = _mm256_setzero_si256();
  for (int64_t r = 0; r < rounds; ++r) {
    __asm__("" : "+v"(u[0]), "+v"(u[1]), "+v"(s[0]), "+v"(s[1]), "+v"(s[2]));
#pragma GCC unroll 6
    for (int c = 0; c < kChains; ++c) acc[c] = Dot::dot(acc[c], u[c % 2], s[c / 2]);
  }
  __m256i total = acc[0];
  for (int c = 1; c < kChains; ++c) total = _mm256_add_epi32(total, acc[c]);
  __asm__ volatile("" : : "v"(total));  // the sums are used, so the chains are not elided
  return rounds * kChains * 32;
}

}  // namespace
}  // namespace shoptalk::kernels::x86
