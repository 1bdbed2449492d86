// The int8 dot-product steps of the x86 levels, on 256-bit vectors: acc (8 int32 lanes) += the
// products of 32 bytes, lane l taking bytes 4l..4l+3. Every level gives the same int32 lanes (no
// step saturates on the operands the kernels pass), so the float results of the AVX2, AVX-VNNI and
// AVX-512 tables are identical bit for bit.
#pragma once

#include <immintrin.h>

namespace shoptalk::kernels::x86 {
namespace {

// AVX2: maddubs forms int16 pair sums, madd widens them to int32. The kernels' operands keep each
// pair sum within int16 (|u| ≤ 127 against s8, or u ≤ 63 against any s8).
struct MaddubsDot {
  static constexpr bool kFused = false;  // no one-step u8·s8 → int32 dot product
  static constexpr int kRegisters = 16;
  // acc + Σ u8·s8.
  static __m256i dot(__m256i acc, __m256i u, __m256i s) {
    return _mm256_add_epi32(acc,
                            _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
  }
  // acc + Σ scale16·(u8·s8 pair sums): the int16 scale vector weights each pair.
  static __m256i dot_scaled(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), scale16));
  }
  // acc + Σ scale16·(int16 pairs): widens int16 sums of maddubs products.
  static __m256i widen(__m256i acc, __m256i pairs, __m256i scale16) {
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scale16));
  }
};

#if defined(__AVXVNNI__)
// AVX-VNNI (VEX): vpdpbusd sums the four u8·s8 products into the lane, vpdpwssd the scaled pairs.
struct AvxVnniDot {
  static constexpr bool kFused = true;
  static constexpr int kRegisters = 16;
  static __m256i dot(__m256i acc, __m256i u, __m256i s) {
    return _mm256_dpbusd_avx_epi32(acc, u, s);
  }
  static __m256i dot_scaled(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
    return _mm256_dpwssd_avx_epi32(acc, _mm256_maddubs_epi16(u, s), scale16);
  }
  static __m256i widen(__m256i acc, __m256i pairs, __m256i scale16) {
    return _mm256_dpwssd_avx_epi32(acc, pairs, scale16);
  }
};
#endif

#if defined(__AVX512VNNI__) && defined(__AVX512VL__)
// AVX-512 VNNI on 256-bit vectors (EVEX: 32 vector registers).
struct Avx512VnniDot {
  static constexpr bool kFused = true;
  static constexpr int kRegisters = 32;
  static __m256i dot(__m256i acc, __m256i u, __m256i s) { return _mm256_dpbusd_epi32(acc, u, s); }
  static __m256i dot_scaled(__m256i acc, __m256i u, __m256i s, __m256i scale16) {
    return _mm256_dpwssd_epi32(acc, _mm256_maddubs_epi16(u, s), scale16);
  }
  static __m256i widen(__m256i acc, __m256i pairs, __m256i scale16) {
    return _mm256_dpwssd_epi32(acc, pairs, scale16);
  }
};
#endif

}  // namespace
}  // namespace shoptalk::kernels::x86
