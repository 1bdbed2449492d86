// Small NEON helpers shared by the kernels of this folder, for aarch64 and armv7. Internal linkage
// on purpose: each translation unit compiles them with its own level's flags, so a dotprod copy
// can never be merged with the baseline one.
#pragma once

#include <arm_neon.h>

#include <cstdint>
#include <cstring>

#if !defined(__aarch64__)
#include "formats/fp16.h"
#endif

namespace shoptalk::kernels::arm {
namespace {

inline uint16_t load_u16(const void* p) {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

#if defined(__aarch64__)
inline float fp16_load(uint16_t h) {
  __fp16 f;
  std::memcpy(&f, &h, sizeof f);
  return static_cast<float>(f);
}
#else
// armv7 NEON has no fp16 conversion: the exact bit conversion of formats/fp16.h.
inline float fp16_load(uint16_t h) {
  return fp16_to_fp32(h);
}
#endif

inline int32_t hsum_s32(int32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_s32(v);
#else
  const int32x2_t s = vadd_s32(vget_low_s32(v), vget_high_s32(v));
  return vget_lane_s32(vpadd_s32(s, s), 0);
#endif
}

inline float hsum_f32(float32x4_t v) {
#if defined(__aarch64__)
  return vaddvq_f32(v);
#else
  const float32x2_t s = vadd_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpadd_f32(s, s), 0);
#endif
}

inline float hmax_f32(float32x4_t v) {
#if defined(__aarch64__)
  return vmaxvq_f32(v);
#else
  const float32x2_t m = vmax_f32(vget_low_f32(v), vget_high_f32(v));
  return vget_lane_f32(vpmax_f32(m, m), 0);
#endif
}

// acc + a·b per lane: fused on aarch64, multiply then add on armv7 (no VFPv4 assumed).
inline float32x4_t mul_add(float32x4_t acc, float32x4_t a, float32x4_t b) {
#if defined(__aarch64__)
  return vfmaq_f32(acc, a, b);
#else
  return vmlaq_f32(acc, a, b);
#endif
}

// Round half to even of floats with |x| < 2^22, as int32.
inline int32x4_t round_even_s32(float32x4_t v) {
#if defined(__aarch64__)
  return vcvtnq_s32_f32(v);
#else
  const float32x4_t magic = vdupq_n_f32(12582912.0f);
  return vcvtq_s32_f32(vsubq_f32(vaddq_f32(v, magic), magic));
#endif
}

// 16 bytes of nibbles: low nibbles (elements 0-15) and high nibbles (16-31).
inline void unpack_nibbles(const uint8_t* p, uint8x16_t out[2]) {
  const uint8x16_t raw = vld1q_u8(p);
  out[0] = vandq_u8(raw, vdupq_n_u8(0x0F));
  out[1] = vshrq_n_u8(raw, 4);
}

// The 32 bits of Q5_0/Q5_1 qh as two vectors of 16 bytes holding 0x10 where the bit is set.
inline void expand_bits32(const uint8_t qh[4], uint8x16_t out[2]) {
  const uint8x16_t bit = vreinterpretq_u8_u64(vdupq_n_u64(0x8040201008040201ull));
  const uint8x16_t high = vdupq_n_u8(0x10);
  for (int h = 0; h < 2; ++h) {
    const uint8x16_t bytes = vcombine_u8(vdup_n_u8(qh[2 * h]), vdup_n_u8(qh[2 * h + 1]));
    out[h] = vandq_u8(vtstq_u8(bytes, bit), high);
  }
}

// Table lookup of 16 indices (0-15) into a 16-entry int8 table.
inline int8x16_t lookup16(int8x16_t table, uint8x16_t idx) {
#if defined(__aarch64__)
  return vqtbl1q_s8(table, idx);
#else
  const int8x8x2_t t = {{vget_low_s8(table), vget_high_s8(table)}};
  return vcombine_s8(vtbl2_s8(t, vreinterpret_s8_u8(vget_low_u8(idx))),
                     vtbl2_s8(t, vreinterpret_s8_u8(vget_high_u8(idx))));
#endif
}

}  // namespace
}  // namespace shoptalk::kernels::arm
