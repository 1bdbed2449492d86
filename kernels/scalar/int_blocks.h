// The integer values of one block of a quantized weight type, element by element: what the scalar
// dot products (vec_dot_legacy.cpp, vec_dot_k.cpp) and the prefill formulation (prefill.cpp)
// multiply with the int8 activations.
#pragma once

#include <cstdint>
#include <cstring>

#include "formats/blocks.h"
#include "formats/ggml_type.h"

namespace shoptalk::kernels::scalar {

// Σ w[k]·a[k] over n elements, exact.
inline int32_t int_dot(const int8_t* w, const int8_t* a, int n) {
  int32_t sum = 0;
  for (int k = 0; k < n; ++k) sum += w[k] * a[k];
  return sum;
}

// Q4_0: u - 8, u the stored nibble (element j: low nibble of byte j, j + 16: high nibble).
inline void q4_0_values(const BlockQ4_0& b, int8_t v[kQK]) {
  for (int j = 0; j < kQK / 2; ++j) {
    v[j] = static_cast<int8_t>((b.qs[j] & 0x0F) - 8);
    v[j + kQK / 2] = static_cast<int8_t>((b.qs[j] >> 4) - 8);
  }
}

// Q5_0: u - 16, u the nibble plus bit j of qh as its fifth bit.
inline void q5_0_values(const BlockQ5_0& b, int8_t v[kQK]) {
  uint32_t qh;
  std::memcpy(&qh, b.qh, sizeof qh);
  for (int j = 0; j < kQK / 2; ++j) {
    const int high0 = static_cast<int>((qh >> j) << 4) & 0x10;
    const int high1 = static_cast<int>(qh >> (j + 12)) & 0x10;
    v[j] = static_cast<int8_t>(((b.qs[j] & 0x0F) | high0) - 16);
    v[j + kQK / 2] = static_cast<int8_t>(((b.qs[j] >> 4) | high1) - 16);
  }
}

// Q4_K: 0..15 (elements 64j..64j+31: low nibbles of qs[32j..], the next 32: high nibbles).
inline void q4_k_values(const BlockQ4_K& b, int8_t v[kQK_K]) {
  for (int j = 0; j < kQK_K / 64; ++j) {
    const uint8_t* q4 = b.qs + 32 * j;
    for (int l = 0; l < 32; ++l) {
      v[64 * j + l] = static_cast<int8_t>(q4[l] & 0x0F);
      v[64 * j + 32 + l] = static_cast<int8_t>(q4[l] >> 4);
    }
  }
}

// Q5_K: 0..31, Q4_K's nibbles plus bit 2j (2j + 1) of qh[l] as the fifth bit.
inline void q5_k_values(const BlockQ5_K& b, int8_t v[kQK_K]) {
  for (int j = 0; j < kQK_K / 64; ++j) {
    const uint8_t* q4 = b.qs + 32 * j;
    const uint8_t low_bit = static_cast<uint8_t>(1u << (2 * j));
    const uint8_t high_bit = static_cast<uint8_t>(1u << (2 * j + 1));
    for (int l = 0; l < 32; ++l) {
      v[64 * j + l] = static_cast<int8_t>((q4[l] & 0x0F) + ((b.qh[l] & low_bit) ? 16 : 0));
      v[64 * j + 32 + l] = static_cast<int8_t>((q4[l] >> 4) + ((b.qh[l] & high_bit) ? 16 : 0));
    }
  }
}

// Q6_K: q - 32, q the 4 low bits from ql and 2 high bits from qh.
inline void q6_k_values(const BlockQ6_K& b, int8_t values[kQK_K]) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* ql = b.ql + 64 * half;
    const uint8_t* qh = b.qh + 32 * half;
    int8_t* v = values + 128 * half;
    for (int l = 0; l < 32; ++l) {
      v[l] = static_cast<int8_t>(((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32);
      v[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32);
      v[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
      v[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

}  // namespace shoptalk::kernels::scalar
