// Exact IEEE binary16 and bfloat16 conversions (docs/formats.md). Scalar, portable:
// these are the ground truth the SIMD conversions in kernels/ are tested against.
#pragma once

#include <cstdint>
#include <cstring>

namespace shoptalk {

inline uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

inline float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float32.
    const float magnitude = static_cast<float>(mant) * 5.9604644775390625e-8f;
    return bits_float(float_bits(magnitude) | sign);
  }
  if (exp == 31) return bits_float(sign | 0x7F800000u | (mant << 13));
  return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
}

// Round to nearest even; overflow gives infinity; NaN stays NaN.
inline uint16_t fp32_to_fp16(float f) {
  const uint32_t u = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7FFFFFFFu;
  if (abs > 0x7F800000u) return static_cast<uint16_t>(sign | 0x7E00u | ((abs >> 13) & 0x3FFu));
  if (abs >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds to >= 65520
  if (abs < 0x38800000u) {
    // Result is subnormal or zero: a count of 2^-24 steps, mant * 2^(exp - 126), rounded.
    const int shift = 126 - static_cast<int>(abs >> 23);
    if (shift > 24) return sign;
    const uint32_t mant = (abs & 0x7FFFFFu) | 0x800000u;
    const uint32_t halfway = 1u << (shift - 1);
    uint32_t q = mant >> shift;
    const uint32_t rem = mant & ((1u << shift) - 1);
    if (rem > halfway || (rem == halfway && (q & 1u))) ++q;
    return static_cast<uint16_t>(sign | q);
  }
  uint32_t r = abs - 0x38000000u;  // rebias exponent 127 -> 15 (in place, mantissa kept)
  r += 0xFFFu + ((r >> 13) & 1u);  // round to nearest even at bit 13
  return static_cast<uint16_t>(sign | (r >> 13));
}

inline float bf16_to_fp32(uint16_t h) {
  return bits_float(static_cast<uint32_t>(h) << 16);
}

inline uint16_t fp32_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40u);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// Round-half-to-even of a float with |x| <= 4194303 (ggml's nearest_int).
inline int nearest_int(float x) {
  const float v = x + 12582912.0f;
  return static_cast<int>(float_bits(v) & 0x7FFFFFu) - 0x400000;
}

}  // namespace shoptalk
