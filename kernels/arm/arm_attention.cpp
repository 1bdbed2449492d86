// NEON one-row attention with the numerics of the scalar kernel (docs/models.md): the
// scores of a chunk of positions first (the table's K·Q dot products), then the online softmax
// walks the chunk position by position. For an F16 cache the value accumulator is rounded to fp16
// after every step (FCVTN/FCVTL on aarch64; armv7 NEON has no fp16 conversion and runs the scalar
// kernel), exactly like the scalar kernel; otherwise it is float.
#include <arm_neon.h>

#include <cmath>
#include <limits>

#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_util.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::arm {

namespace {

constexpr int kMaxQBytes = kMaxHeadDim * 2;
constexpr int kChunk = 64;

void scale_acc(float* acc, int hd, float scale) {
  const float32x4_t s = vdupq_n_f32(scale);
  for (int d = 0; d < hd; d += 4) vst1q_f32(acc + d, vmulq_f32(vld1q_f32(acc + d), s));
}

void add_value(float* acc, const float* v, int hd, float weight) {
  const float32x4_t w = vdupq_n_f32(weight);
  for (int d = 0; d < hd; d += 4)
    vst1q_f32(acc + d, vaddq_f32(vld1q_f32(acc + d), vmulq_f32(vld1q_f32(v + d), w)));
}

#if defined(__aarch64__)
float32x4_t round_fp16(float32x4_t v) {
  return vcvt_f32_f16(vcvt_f16_f32(v));
}

// acc = fp16(acc · scale).
void scale_f16_acc(float* acc, int hd, float scale) {
  const float32x4_t s = vdupq_n_f32(scale);
  for (int d = 0; d < hd; d += 4) vst1q_f32(acc + d, round_fp16(vmulq_f32(vld1q_f32(acc + d), s)));
}

// acc = fp16(acc + v · weight) with v an fp16 row.
void add_f16_value(float* acc, const uint16_t* v, int hd, float weight) {
  const float32x4_t w = vdupq_n_f32(weight);
  for (int d = 0; d < hd; d += 4) {
    const float32x4_t vv = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(v + d)));
    vst1q_f32(acc + d, round_fp16(vaddq_f32(vld1q_f32(acc + d), vmulq_f32(vv, w))));
  }
}
#endif

// acc ·= scale, rounded to fp16 per element for an F16 cache.
void rescale(float* acc, int hd, float scale, [[maybe_unused]] bool f16) {
#if defined(__aarch64__)
  if (f16) {
    scale_f16_acc(acc, hd, scale);
    return;
  }
#endif
  scale_acc(acc, hd, scale);
}

// acc += value row · weight (F16 rows straight from the cache, others through to_float).
void accumulate(float* acc, const uint8_t* v_row, ToFloatFn to_float, float* v_float, int hd,
                float weight, [[maybe_unused]] bool f16) {
#if defined(__aarch64__)
  if (f16) {
    add_f16_value(acc, reinterpret_cast<const uint16_t*>(v_row), hd, weight);
    return;
  }
#endif
  to_float(v_row, v_float, hd);
  add_value(acc, v_float, hd, weight);
}

}  // namespace

void attention_row(const KernelTable& table, const AttentionRow& args) {
  const int hd = args.head_dim;
  const bool f16 = args.kv_type == GgmlType::F16;
#if defined(__aarch64__)
  const bool vectorized = hd % 4 == 0;
#else
  const bool vectorized = hd % 4 == 0 && !f16;
#endif
  if (!vectorized) {
    scalar::attention_row(table, args);
    return;
  }
  const TypeKernels& k_kernels = table.types[static_cast<int>(args.kv_type)];
  alignas(16) uint8_t q_conv[kMaxQBytes];
  table.from_float[static_cast<int>(k_kernels.vec_dot_type)](args.q, q_conv, hd);
  const ToFloatFn v_to_float = k_kernels.to_float;
  alignas(16) float acc[kMaxHeadDim];
  alignas(16) float v_float[kMaxHeadDim];
  float scores[kChunk];
  for (int d = 0; d < hd; ++d) acc[d] = 0.0f;
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.0f;
  for (int64_t j0 = 0; j0 < args.n_kv; j0 += kChunk) {
    const int count = static_cast<int>(args.n_kv - j0 < kChunk ? args.n_kv - j0 : kChunk);
    for (int c = 0; c < count; ++c)
      scores[c] = k_kernels.vec_dot(hd, args.k + (j0 + c) * args.kv_stride, q_conv) * args.scale;
    for (int c = 0; c < count; ++c) {
      const float s = scores[c];
      const uint8_t* v_row = args.v + (j0 + c) * args.kv_stride;
      float old_scale = 1.0f;
      float value_weight = 1.0f;
      if (s > running_max) {
        old_scale = std::exp(running_max - s);
        running_max = s;
        rescale(acc, hd, old_scale, f16);
      } else {
        value_weight = std::exp(s - running_max);
      }
      accumulate(acc, v_row, v_to_float, v_float, hd, value_weight, f16);
      running_sum = running_sum * old_scale + value_weight;
    }
  }
  const float inv = running_sum == 0.0f ? 0.0f : 1.0f / running_sum;
  scale_acc(acc, hd, inv);
  for (int d = 0; d < hd; ++d) args.out[d] = acc[d];
}

}  // namespace shoptalk::kernels::arm
