// The int8 dot-product step of each ARM level: acc (4 int32 lanes) += the 16 products a_k·b_k,
// summed in groups of four or pairs depending on the level. Only the total of the lanes is defined,
// so kernels reduce a chunk's lanes (or scale them uniformly) before the next chunk's weights.
// With i8mm, the operand layout of SMMLA (2×8 by 2×8 int8 into 2×2 int32). On aarch64, group(),
// dot4() and dot4_half(): the sums of 4 weight rows' 32 (16) values against one token's, one row
// per int32 lane.
#pragma once

#include <arm_neon.h>

namespace shoptalk::kernels::arm {
namespace {

// ARMv8.0 / ARMv7 NEON: widening int8 multiplies (each product fits int16, even -128·-128) and
// pairwise widening adds into int32.
struct NeonDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t a, int8x16_t b) {
    const int16x8_t lo = vmull_s8(vget_low_s8(a), vget_low_s8(b));
    const int16x8_t hi = vmull_s8(vget_high_s8(a), vget_high_s8(b));
    return vpadalq_s16(vpadalq_s16(acc, lo), hi);
  }
#if defined(__aarch64__)
  // The 32 values of 4 weight rows (rows[k][h]: elements 16h..16h+15 of row k) as dot4's operand.
  static void group(const int8x16_t rows[4][2], int8x16_t out[8]) {
    for (int k = 0; k < 4; ++k)
      for (int h = 0; h < 2; ++h) out[2 * k + h] = rows[k][h];
  }
  // Lane k: Σ of row k's 32 products with the token's values a0 (elements 0-15), a1 (16-31).
  static int32x4_t dot4(const int8x16_t g[8], int8x16_t a0, int8x16_t a1) {
    int32x4_t p[4];
    for (int k = 0; k < 4; ++k) p[k] = dot(dot(vdupq_n_s32(0), g[2 * k], a0), g[2 * k + 1], a1);
    return vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3]));
  }
  // acc + lane k: Σ of row k's 16 products of half h (elements 16h..16h+15) with a.
  static int32x4_t dot4_half(int32x4_t acc, const int8x16_t g[8], int h, int8x16_t a) {
    int32x4_t p[4];
    for (int k = 0; k < 4; ++k) p[k] = dot(vdupq_n_s32(0), g[2 * k + h], a);
    return vaddq_s32(acc, vpaddq_s32(vpaddq_s32(p[0], p[1]), vpaddq_s32(p[2], p[3])));
  }
#endif
};

#if defined(__ARM_FEATURE_DOTPROD)
// ARMv8.2 dotprod: one SDOT, four products per lane.
struct SdotDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vdotq_s32(acc, a, b); }
  // The rows' values in steps of 4 elements, one row per lane: out[4h + s] holds elements
  // 16h + 4s .. 16h + 4s + 3 of rows 0-3 (a 4×4 transpose of 32-bit groups per half).
  static void group(const int8x16_t rows[4][2], int8x16_t out[8]) {
    for (int h = 0; h < 2; ++h) {
      const int32x4_t r0 = vreinterpretq_s32_s8(rows[0][h]);
      const int32x4_t r1 = vreinterpretq_s32_s8(rows[1][h]);
      const int32x4_t r2 = vreinterpretq_s32_s8(rows[2][h]);
      const int32x4_t r3 = vreinterpretq_s32_s8(rows[3][h]);
      const int64x2_t even01 = vreinterpretq_s64_s32(vtrn1q_s32(r0, r1));  // groups 0, 2
      const int64x2_t odd01 = vreinterpretq_s64_s32(vtrn2q_s32(r0, r1));   // groups 1, 3
      const int64x2_t even23 = vreinterpretq_s64_s32(vtrn1q_s32(r2, r3));
      const int64x2_t odd23 = vreinterpretq_s64_s32(vtrn2q_s32(r2, r3));
      out[4 * h + 0] = vreinterpretq_s8_s64(vzip1q_s64(even01, even23));
      out[4 * h + 1] = vreinterpretq_s8_s64(vzip1q_s64(odd01, odd23));
      out[4 * h + 2] = vreinterpretq_s8_s64(vzip2q_s64(even01, even23));
      out[4 * h + 3] = vreinterpretq_s8_s64(vzip2q_s64(odd01, odd23));
    }
  }
  // SDOT by element: each step's 4 activation bytes against the 4 rows' 4 values of that step.
  static int32x4_t dot4_half(int32x4_t acc, const int8x16_t g[8], int h, int8x16_t a) {
    acc = vdotq_laneq_s32(acc, g[4 * h], a, 0);
    acc = vdotq_laneq_s32(acc, g[4 * h + 1], a, 1);
    acc = vdotq_laneq_s32(acc, g[4 * h + 2], a, 2);
    return vdotq_laneq_s32(acc, g[4 * h + 3], a, 3);
  }
  static int32x4_t dot4(const int8x16_t g[8], int8x16_t a0, int8x16_t a1) {
    return dot4_half(dot4_half(vdupq_n_s32(0), g, 0, a0), g, 1, a1);
  }
};
#endif

#if defined(__ARM_FEATURE_MATMUL_INT8)
// 8 bytes of two rows side by side: the 2×8 operand of SMMLA.
inline int8x16_t zip_rows(int8x16_t r0, int8x16_t r1, bool high) {
  const int64x2_t a = vreinterpretq_s64_s8(r0);
  const int64x2_t b = vreinterpretq_s64_s8(r1);
  return vreinterpretq_s8_s64(high ? vzip2q_s64(a, b) : vzip1q_s64(a, b));
}

// The 32 values of a block of two rows as four SMMLA operands (elements 0-7, 8-15, 16-23, 24-31).
inline void zip_block(const int8x16_t v0[2], const int8x16_t v1[2], int8x16_t out[4]) {
  for (int k = 0; k < 4; ++k) out[k] = zip_rows(v0[k / 2], v1[k / 2], k % 2 == 1);
}

// 32 int8 activations of two tokens (one block each) as the four SMMLA operands.
inline void zip_tokens(const int8_t* qs0, const int8_t* qs1, int8x16_t out[4]) {
  const int8x16_t t0[2] = {vld1q_s8(qs0), vld1q_s8(qs0 + 16)};
  const int8x16_t t1[2] = {vld1q_s8(qs1), vld1q_s8(qs1 + 16)};
  zip_block(t0, t1, out);
}

// P×Q pair tiles of lanes (r0 t0, r0 t1, r1 t0, r1 t1) into out[2P][2Q].
template <int P, int Q, int T>
inline void store_pair_tiles(const float32x4_t (&sum)[P][Q], float (*out)[T]) {
  for (int p = 0; p < P; ++p) {
    for (int q = 0; q < Q; ++q) {
      out[2 * p][2 * q] = vgetq_lane_f32(sum[p][q], 0);
      out[2 * p][2 * q + 1] = vgetq_lane_f32(sum[p][q], 1);
      out[2 * p + 1][2 * q] = vgetq_lane_f32(sum[p][q], 2);
      out[2 * p + 1][2 * q + 1] = vgetq_lane_f32(sum[p][q], 3);
    }
  }
}

#endif

}  // namespace
}  // namespace shoptalk::kernels::arm
