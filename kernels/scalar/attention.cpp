// One query row of attention with llama.cpp's flash-attention one-row numerics
// (docs/models.md): Q converted to the K type's dot-product type (F16 for an F16 cache,
// Q8_0 for a Q8_0/Q4_0 cache), scores scaled after the dot, online softmax in float; values
// accumulated in an F16 buffer (each step rounded to fp16) for an F16 cache, in float otherwise.
#include <cmath>
#include <cstdint>
#include <limits>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

namespace {

// Bytes of Q converted to the widest dot-product type the cache types use (F16 or Q8_0).
constexpr int kMaxQBytes = kMaxHeadDim * 2;

void attention_f16_values(const AttentionRow& args, const void* q_conv, VecDotFn kq_dot) {
  uint16_t acc[kMaxHeadDim];
  const int hd = args.head_dim;
  for (int d = 0; d < hd; ++d) acc[d] = 0;
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.0f;
  for (int64_t j = 0; j < args.n_kv; ++j) {
    const uint8_t* k_row = args.k + j * args.kv_stride;
    const uint16_t* v_row = reinterpret_cast<const uint16_t*>(args.v + j * args.kv_stride);
    const float s = kq_dot(hd, k_row, q_conv) * args.scale;
    float old_scale = 1.0f;
    float value_weight = 1.0f;
    if (s > running_max) {
      old_scale = std::exp(running_max - s);
      running_max = s;
      for (int d = 0; d < hd; ++d) acc[d] = fp32_to_fp16(fp16_to_fp32(acc[d]) * old_scale);
    } else {
      value_weight = std::exp(s - running_max);
    }
    for (int d = 0; d < hd; ++d)
      acc[d] = fp32_to_fp16(fp16_to_fp32(acc[d]) + fp16_to_fp32(v_row[d]) * value_weight);
    running_sum = running_sum * old_scale + value_weight;
  }
  const float inv = running_sum == 0.0f ? 0.0f : 1.0f / running_sum;
  for (int d = 0; d < hd; ++d) args.out[d] = fp16_to_fp32(acc[d]) * inv;
}

void attention_float_values(const KernelTable& table, const AttentionRow& args, const void* q_conv,
                            VecDotFn kq_dot) {
  float acc[kMaxHeadDim];
  float v_float[kMaxHeadDim];
  const int hd = args.head_dim;
  const ToFloatFn v_to_float = table.types[static_cast<int>(args.kv_type)].to_float;
  for (int d = 0; d < hd; ++d) acc[d] = 0.0f;
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.0f;
  for (int64_t j = 0; j < args.n_kv; ++j) {
    const uint8_t* k_row = args.k + j * args.kv_stride;
    const float s = kq_dot(hd, k_row, q_conv) * args.scale;
    float old_scale = 1.0f;
    float value_weight = 1.0f;
    if (s > running_max) {
      old_scale = std::exp(running_max - s);
      running_max = s;
      for (int d = 0; d < hd; ++d) acc[d] *= old_scale;
    } else {
      value_weight = std::exp(s - running_max);
    }
    v_to_float(args.v + j * args.kv_stride, v_float, hd);
    for (int d = 0; d < hd; ++d) acc[d] += v_float[d] * value_weight;
    running_sum = running_sum * old_scale + value_weight;
  }
  const float inv = running_sum == 0.0f ? 0.0f : 1.0f / running_sum;
  for (int d = 0; d < hd; ++d) args.out[d] = acc[d] * inv;
}

}  // namespace

void attention_row(const KernelTable& table, const AttentionRow& args) {
  const TypeKernels& k_kernels = table.types[static_cast<int>(args.kv_type)];
  alignas(16) uint8_t q_conv[kMaxQBytes];
  table.from_float[static_cast<int>(k_kernels.vec_dot_type)](args.q, q_conv, args.head_dim);
  if (args.kv_type == GgmlType::F16) {
    attention_f16_values(args, q_conv, k_kernels.vec_dot);
  } else {
    attention_float_values(table, args, q_conv, k_kernels.vec_dot);
  }
}

}  // namespace shoptalk::kernels::scalar
