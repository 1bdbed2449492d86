// The int8_dot_probe of the ARM levels: a level's dot step (arm_dot.h; SMMLA for i8mm, whose
// prefill tiles multiply with it) on 128-bit register operands in six independent chains, each
// with its own operand pair, made new every round by an empty asm so no step leaves the loop.
#pragma once

#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/arm_dot.h"

namespace shoptalk::kernels::arm {
namespace {

#if defined(__ARM_FEATURE_MATMUL_INT8)
// SMMLA: a 2×8 by 8×2 int8 product into 2×2 int32 lanes, 32 multiply-adds.
struct MmlaDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vmmlaq_s32(acc, a, b); }
};
#endif

// kMacsPerStep: the multiply-adds of one Dot::dot on 16-byte operands (16; 32 for SMMLA).
template <typename Dot, int kMacsPerStep>
int64_t dot_probe(int64_t rounds) {
  constexpr int kChains = 6;  // with their five operands, in registers even on ARMv7's sixteen
  int8x16_t a[2] = {vdupq_n_s8(3), vdupq_n_s8(7)};
  int8x16_t b[3] = {vdupq_n_s8(-5), vdupq_n_s8(9), vdupq_n_s8(-11)};
  int32x4_t acc[kChains];
  for (int32x4_t& v : acc) v = vdupq_n_s32(0);
  for (int64_t r = 0; r < rounds; ++r) {
    __asm__("" : "+w"(a[0]), "+w"(a[1]), "+w"(b[0]), "+w"(b[1]), "+w"(b[2]));
#pragma GCC unroll 6
    for (int c = 0; c < kChains; ++c) acc[c] = Dot::dot(acc[c], a[c % 2], b[c / 2]);
  }
  int32x4_t total = acc[0];
  for (int c = 1; c < kChains; ++c) total = vaddq_s32(total, acc[c]);
  __asm__ volatile("" : : "w"(total));  // the sums are used, so the chains are not elided
  return rounds * kChains * kMacsPerStep;
}

}  // namespace
}  // namespace shoptalk::kernels::arm
