// NEON activation conversion, bit-identical to the scalar table: Q8_0 with id = 127/amax and
// round-half-even (the x86 variant of docs/formats.md, so every ISA quantizes alike), Q8_K
// as docs/formats.md gives it, rne fp16 (aarch64 FCVTN) and bf16 (integer rounding, NaN kept
// quiet).
#include <arm_neon.h>

#include <cmath>
#include <cstring>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_util.h"

namespace shoptalk::kernels::arm {

namespace {

// 16 floats times id, rounded half to even, as 16 saturated int8 in element order.
int8x16_t round_pack16(const float* x, float32x4_t id) {
  int16x4_t h[4];
  for (int k = 0; k < 4; ++k)
    h[k] = vqmovn_s32(round_even_s32(vmulq_f32(vld1q_f32(x + 4 * k), id)));
  return vcombine_s8(vqmovn_s16(vcombine_s16(h[0], h[1])), vqmovn_s16(vcombine_s16(h[2], h[3])));
}

float abs_max(const float* x, int n) {
  float32x4_t m = vdupq_n_f32(0.0f);
  for (int k = 0; k < n; k += 4) m = vmaxq_f32(m, vabsq_f32(vld1q_f32(x + k)));
  return hmax_f32(m);
}

int32_t sum16(int8x16_t v) {
  return hsum_s32(vpaddlq_s16(vpaddlq_s8(v)));
}

}  // namespace

void quantize_row_q8_0(const float* x, void* dst, int64_t n) {
  BlockQ8_0* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float* xb = x + b * kQK;
    const float amax = abs_max(xb, kQK);
    const float32x4_t id = vdupq_n_f32(amax != 0.0f ? 127.0f / amax : 0.0f);
    vst1q_s8(y[b].qs, round_pack16(xb, id));
    vst1q_s8(y[b].qs + 16, round_pack16(xb + 16, id));
    y[b].d = fp32_to_fp16(amax / 127.0f);
  }
}

void quantize_row_q8_k(const float* x, void* dst, int64_t n) {
  BlockQ8_K* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float* xb = x + b * kQK_K;
    const float amax = abs_max(xb, kQK_K);
    if (amax == 0.0f) {
      std::memset(&y[b], 0, sizeof y[b]);
      continue;
    }
    // The first element of largest magnitude, sign kept.
    int first = 0;
    while (std::fabs(xb[first]) != amax) ++first;
    const float iscale = -127.0f / xb[first];
    const float32x4_t iv = vdupq_n_f32(iscale);
    // |iscale·x| <= 127 up to rounding; the saturating narrows clamp like the reference's min(127).
    for (int g = 0; g < kQK_K / 16; ++g) {
      const int8x16_t q = round_pack16(xb + 16 * g, iv);
      vst1q_s8(y[b].qs + 16 * g, q);
      y[b].bsums[g] = static_cast<int16_t>(sum16(q));
    }
    y[b].d = 1.0f / iscale;
  }
}

void from_float_bf16(const float* x, void* dst, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  const uint32x4_t one = vdupq_n_u32(1);
  const uint32x4_t bias = vdupq_n_u32(0x7FFF);
  const uint32x4_t inf = vdupq_n_u32(0x7F800000);
  const uint32x4_t abs_mask = vdupq_n_u32(0x7FFFFFFF);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const uint32x4_t u = vreinterpretq_u32_f32(vld1q_f32(x + i));
    const uint32x4_t odd = vandq_u32(vshrq_n_u32(u, 16), one);
    const uint32x4_t rounded = vshrq_n_u32(vaddq_u32(vaddq_u32(u, bias), odd), 16);
    const uint32x4_t quiet = vorrq_u32(vshrq_n_u32(u, 16), vdupq_n_u32(0x40));
    const uint32x4_t is_nan = vcgtq_u32(vandq_u32(u, abs_mask), inf);
    vst1_u16(y + i, vmovn_u32(vbslq_u32(is_nan, quiet, rounded)));
  }
  for (; i < n; ++i) y[i] = fp32_to_bf16(x[i]);
}

#if defined(__aarch64__)
void from_float_f16(const float* x, void* dst, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) vst1_u16(y + i, vreinterpret_u16_f16(vcvt_f16_f32(vld1q_f32(x + i))));
  for (; i < n; ++i) y[i] = fp32_to_fp16(x[i]);
}
#endif

}  // namespace shoptalk::kernels::arm
