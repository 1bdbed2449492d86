// Small AVX2 helpers shared by the kernels of this folder. Internal linkage on purpose: these are
// compiled with the AVX2 flags and must never be merged with a baseline copy of the same name.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace shoptalk::kernels::x86 {
namespace {

inline float fp16_load(uint16_t h) {
  return _cvtsh_ss(h);
}

inline uint16_t fp16_store(float f) {
  return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT));
}

// Sum of the 8 lanes: (0+4, 1+5, 2+6, 3+7), then pairs, then the last two.
inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

// Requests every cache line that [p, p + bytes) touches, and no other: a line past the end belongs
// to another row (with a position-major cache, another head's), possibly evicted before it is read.
inline void prefetch_lines(const uint8_t* p, size_t bytes) {
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  for (uintptr_t line = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{63}; line < end; line += 64)
    _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_T0);
}

inline __m256i load256(const void* p) {
  return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

// 16 bytes of nibbles as 32 bytes: low nibbles (elements 0-15), then high nibbles (16-31). The
// bytes are loaded into both halves (a load-port broadcast), the high half shifted: three vector
// operations and no lane-crossing insert.
inline __m256i unpack_nibbles16(const uint8_t* p) {
  const __m256i both =
      _mm256_broadcastsi128_si256(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
  const __m256i high_shifted = _mm256_blend_epi32(both, _mm256_srli_epi16(both, 4), 0xF0);
  return _mm256_and_si256(high_shifted, _mm256_set1_epi8(0x0F));
}

// The 32 bits of Q5_0/Q5_1 qh as 32 bytes holding 0x10 where the bit is set.
inline __m256i expand_bits16(const uint8_t qh[4]) {
  uint32_t bits;
  std::memcpy(&bits, qh, sizeof bits);
  const __m256i shuffle = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                            0x0101010101010101, 0x0000000000000000);
  __m256i bytes = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), shuffle);
  const __m256i bit_in_byte = _mm256_set1_epi64x(0x7FBFDFEFF7FBFDFE);
  bytes = _mm256_or_si256(bytes, bit_in_byte);
  const __m256i set = _mm256_cmpeq_epi8(bytes, _mm256_set1_epi64x(-1));
  return _mm256_and_si256(set, _mm256_set1_epi8(0x10));
}

}  // namespace
}  // namespace shoptalk::kernels::x86
