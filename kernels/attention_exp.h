// The exponential of the tiled attention's softmax (kernels/scalar/attention_tile.cpp and its SIMD
// versions, kernels/simd/attention_tile.h): e^x for x <= 0 as a fixed sequence of float operations
// (fused multiply-adds, one product, integer work on the bits), so every ISA computes it bit for
// bit like the scalar reference. x = n·ln 2 + b with n = round(x·log2 e) and |b| <= ln 2 / 2, e^b
// by its Taylor polynomial of degree 7 (truncation below 3e-9), times 2^n built in the exponent
// bits: within 1 ulp of e^x.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

namespace shoptalk::kernels::attention_exp {

// Inputs below are raised to it: e^-87 < 2^-125 is nothing next to the row maximum's weight of 1,
// and 2^n stays a normal number.
inline constexpr float kMin = -87.0f;
inline constexpr float kLog2e = 0x1.715476p+0f;
// Adding 1.5·2^23 rounds to an integer held in the low mantissa bits.
inline constexpr float kShift = 0x1.8p23f;
// ln 2 split so that n·kLn2Hi is exact for |n| <= 126.
inline constexpr float kLn2Hi = 0x1.62e4p-1f;
inline constexpr float kLn2Lo = 0x1.7f7d1cp-20f;
// 1/k! for k = 7 down to 2 (the terms of degree 1 and 0 have the coefficient 1).
inline constexpr float kC7 = 1.0f / 5040.0f;
inline constexpr float kC6 = 1.0f / 720.0f;
inline constexpr float kC5 = 1.0f / 120.0f;
inline constexpr float kC4 = 1.0f / 24.0f;
inline constexpr float kC3 = 1.0f / 6.0f;
inline constexpr float kC2 = 0.5f;
// The bits of 1.0f: 2^n is (the low bits of z, holding n) << 23 plus these.
inline constexpr uint32_t kOneBits = 0x3f800000u;

// The scalar form; SIMD versions apply the same operations lane by lane.
inline float exp(float x) {
  x = x < kMin ? kMin : x;
  const float z = std::fma(x, kLog2e, kShift);
  const float n = z - kShift;
  float b = std::fma(n, -kLn2Hi, x);
  b = std::fma(n, -kLn2Lo, b);
  float p = std::fma(kC7, b, kC6);
  p = std::fma(p, b, kC5);
  p = std::fma(p, b, kC4);
  p = std::fma(p, b, kC3);
  p = std::fma(p, b, kC2);
  p = std::fma(p, b, 1.0f);
  p = std::fma(p, b, 1.0f);
  uint32_t bits;
  std::memcpy(&bits, &z, sizeof bits);
  bits = (bits << 23) + kOneBits;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

}  // namespace shoptalk::kernels::attention_exp
