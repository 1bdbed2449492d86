// Dot products of the 32-element block weights with Q8_0/Q8_1 activations, in the generic order
// of docs/formats.md: exact int32 sums per block, one float accumulator over blocks.
#include <cstring>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "kernels/scalar/int_blocks.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

namespace {
uint32_t load_qh(const uint8_t qh[4]) {
  uint32_t v;
  std::memcpy(&v, qh, sizeof v);
  return v;
}
}  // namespace

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(w);
  const BlockQ8_0* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int8_t values[kQK];
    q4_0_values(x[b], values);
    const int sumi = int_dot(values, y[b].qs, kQK);
    sum += static_cast<float>(sumi) * fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d);
  }
  return sum;
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a) {
  const BlockQ4_1* x = static_cast<const BlockQ4_1*>(w);
  const BlockQ8_1* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += (x[b].qs[j] & 0x0F) * y[b].qs[j];
      sumi += (x[b].qs[j] >> 4) * y[b].qs[j + kQK / 2];
    }
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * static_cast<float>(sumi) +
           fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a) {
  const BlockQ5_0* x = static_cast<const BlockQ5_0*>(w);
  const BlockQ8_0* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int8_t values[kQK];
    q5_0_values(x[b], values);
    const int sumi = int_dot(values, y[b].qs, kQK);
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * static_cast<float>(sumi);
  }
  return sum;
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a) {
  const BlockQ5_1* x = static_cast<const BlockQ5_1*>(w);
  const BlockQ8_1* y = static_cast<const BlockQ8_1*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const uint32_t qh = load_qh(x[b].qh);
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int high0 = static_cast<int>((qh >> j) << 4) & 0x10;
      const int high1 = static_cast<int>(qh >> (j + 12)) & 0x10;
      sumi += ((x[b].qs[j] & 0x0F) | high0) * y[b].qs[j];
      sumi += ((x[b].qs[j] >> 4) | high1) * y[b].qs[j + kQK / 2];
    }
    sum += (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d)) * static_cast<float>(sumi) +
           fp16_to_fp32(x[b].m) * fp16_to_fp32(y[b].s);
  }
  return sum;
}

float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(w);
  const BlockQ8_0* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const int sumi = int_dot(x[b].qs, y[b].qs, kQK);
    sum += static_cast<float>(sumi) * (fp16_to_fp32(x[b].d) * fp16_to_fp32(y[b].d));
  }
  return sum;
}

float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* a) {
  const BlockIQ4_NL* x = static_cast<const BlockIQ4_NL*>(w);
  const BlockQ8_0* y = static_cast<const BlockQ8_0*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sumi = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      sumi += kIQ4NLValues[x[b].qs[j] & 0x0F] * y[b].qs[j];
      sumi += kIQ4NLValues[x[b].qs[j] >> 4] * y[b].qs[j + kQK / 2];
    }
    sum += (fp16_to_fp32(y[b].d) * fp16_to_fp32(x[b].d)) * static_cast<float>(sumi);
  }
  return sum;
}

}  // namespace shoptalk::kernels::scalar
