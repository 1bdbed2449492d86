// NEON conversion of KV-cache rows (F16 on aarch64, Q8_0, Q4_0) back to float, exact.
#include <arm_neon.h>

#include "formats/blocks.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_util.h"

namespace shoptalk::kernels::arm {

namespace {

// 16 int8 values times d as 16 floats.
void scale_store16(int8x16_t q, float d, float* y) {
  const float32x4_t dv = vdupq_n_f32(d);
  const int16x8_t lo = vmovl_s8(vget_low_s8(q));
  const int16x8_t hi = vmovl_s8(vget_high_s8(q));
  const int32x4_t w[4] = {vmovl_s16(vget_low_s16(lo)), vmovl_s16(vget_high_s16(lo)),
                          vmovl_s16(vget_low_s16(hi)), vmovl_s16(vget_high_s16(hi))};
  for (int k = 0; k < 4; ++k) vst1q_f32(y + 4 * k, vmulq_f32(vcvtq_f32_s32(w[k]), dv));
}

}  // namespace

void to_float_q8_0(const void* src, float* y, int64_t n) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = fp16_load(x[b].d);
    scale_store16(vld1q_s8(x[b].qs), d, y + b * kQK);
    scale_store16(vld1q_s8(x[b].qs + 16), d, y + b * kQK + 16);
  }
}

void to_float_q4_0(const void* src, float* y, int64_t n) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = fp16_load(x[b].d);
    uint8x16_t q[2];
    unpack_nibbles(x[b].qs, q);
    for (int h = 0; h < 2; ++h)
      scale_store16(vsubq_s8(vreinterpretq_s8_u8(q[h]), vdupq_n_s8(8)), d, y + b * kQK + 16 * h);
  }
}

#if defined(__aarch64__)
void to_float_f16(const void* src, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1q_f32(y + i, vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(x + i))));
  for (; i < n; ++i) y[i] = fp16_load(x[i]);
}
#endif

}  // namespace shoptalk::kernels::arm
