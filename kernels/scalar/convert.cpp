// Rows of the KV-cache types converted back to float, for attention over values.
#include <cstring>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

void to_float_f32(const void* src, float* y, int64_t n) {
  std::memcpy(y, src, static_cast<size_t>(n) * sizeof(float));
}

void to_float_f16(const void* src, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) y[i] = fp16_to_fp32(x[i]);
}

void to_float_bf16(const void* src, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) y[i] = bf16_to_fp32(x[i]);
}

void to_float_q8_0(const void* src, float* y, int64_t n) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQK; ++j) y[b * kQK + j] = static_cast<float>(x[b].qs[j]) * d;
  }
}

void to_float_q4_0(const void* src, float* y, int64_t n) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    for (int j = 0; j < kQK / 2; ++j) {
      y[b * kQK + j] = static_cast<float>((x[b].qs[j] & 0x0F) - 8) * d;
      y[b * kQK + j + kQK / 2] = static_cast<float>((x[b].qs[j] >> 4) - 8) * d;
    }
  }
}

}  // namespace shoptalk::kernels::scalar
