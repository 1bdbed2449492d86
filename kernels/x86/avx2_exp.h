// The vectorized e^x of ggml's AVX2 build, reproduced for llama.cpp's numerics (silu) and used
// wherever many exponentials are needed at once (attention softmax).
#pragma once

#include <immintrin.h>

namespace shoptalk::kernels::x86 {

// e^x for 8 lanes: n = round(x·log2 e) through the 1.5·2^23 shift, the remainder b = x - n·ln 2
// in two FMA steps (ln 2 split hi/lo), e^b by an odd/even split polynomial, then scaled by 2^n;
// |n| > 126 takes the two-factor scaling path, |n| > 192 saturates to 0 or inf.
inline __m256 exp_ps(__m256 x) {
  const __m256 shift = _mm256_set1_ps(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), shift);
  const __m256 n = _mm256_sub_ps(z, shift);
  const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                    _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
  const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
  const __m256 k =
      _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(_mm256_set1_ps(1.0f))));
  const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
  const __m256 big = _mm256_cmp_ps(abs_n, _mm256_set1_ps(126.0f), _CMP_GT_OQ);
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 odd =
      _mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f));
  const __m256 even =
      _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f));
  const __m256 j = _mm256_fmadd_ps(_mm256_fmadd_ps(odd, u, even), u,
                                   _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b));
  if (!_mm256_movemask_ps(big)) return _mm256_fmadd_ps(j, k, k);
  const __m256i g =
      _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)),
                       _mm256_set1_epi32(static_cast<int>(0x82000000u)));
  const __m256 s1 =
      _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(static_cast<int>(0x7f000000u))));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
  const __m256 huge = _mm256_cmp_ps(abs_n, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
  const __m256 scaled = _mm256_blendv_ps(_mm256_fmadd_ps(k, j, k),
                                         _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1), big);
  return _mm256_blendv_ps(scaled, _mm256_mul_ps(s1, s1), huge);
}

}  // namespace shoptalk::kernels::x86
