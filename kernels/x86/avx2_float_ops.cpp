// The float element-wise kernels for AVX2 with FMA: add and scale are the xsimd ones of
// kernels/simd/float_ops.h; rmsnorm, rope_apply and silu_mul follow llama.cpp's CPU numerics bit
// for bit (the reference the engine is compared with): rmsnorm sums the float squares one by one
// in double; rope fuses like GCC's contraction of ggml's scalar code; silu uses the vectorized exp
// of ggml's AVX2 build (a polynomial after a 2^n reduction, ≈1.5 ulp) on full vectors of 8, libm
// expf on the tail.
#include <immintrin.h>

#include <cmath>

#include "kernels/simd/float_ops.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {

using Arch = xsimd::fma3<xsimd::avx2>;

__m256 splat(float v) {
  return _mm256_set1_ps(v);
}

// e^x for 8 lanes: n = round(x·log2 e) through the 1.5·2^23 shift, the remainder b = x - n·ln 2
// in two FMA steps (ln 2 split hi/lo), e^b by an odd/even split polynomial, then scaled by 2^n;
// |n| > 126 takes the two-factor scaling path, |n| > 192 saturates to 0 or inf.
__m256 exp_ps(__m256 x) {
  const __m256 shift = splat(0x1.8p23f);
  const __m256 z = _mm256_fmadd_ps(x, splat(0x1.715476p+0f), shift);
  const __m256 n = _mm256_sub_ps(z, shift);
  const __m256 b =
      _mm256_fnmadd_ps(n, splat(0x1.7f7d1cp-20f), _mm256_fnmadd_ps(n, splat(0x1.62e4p-1f), x));
  const __m256i e = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
  const __m256 k = _mm256_castsi256_ps(_mm256_add_epi32(e, _mm256_castps_si256(splat(1.0f))));
  const __m256 abs_n = _mm256_andnot_ps(splat(-0.0f), n);
  const __m256 big = _mm256_cmp_ps(abs_n, splat(126.0f), _CMP_GT_OQ);
  const __m256 u = _mm256_mul_ps(b, b);
  const __m256 odd = _mm256_fmadd_ps(splat(0x1.0e4020p-7f), b, splat(0x1.573e2ep-5f));
  const __m256 even = _mm256_fmadd_ps(splat(0x1.555e66p-3f), b, splat(0x1.fffdb6p-2f));
  const __m256 j =
      _mm256_fmadd_ps(_mm256_fmadd_ps(odd, u, even), u, _mm256_mul_ps(splat(0x1.ffffecp-1f), b));
  if (!_mm256_movemask_ps(big)) return _mm256_fmadd_ps(j, k, k);
  const __m256i g =
      _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)),
                       _mm256_set1_epi32(static_cast<int>(0x82000000u)));
  const __m256 s1 =
      _mm256_castsi256_ps(_mm256_add_epi32(g, _mm256_set1_epi32(static_cast<int>(0x7f000000u))));
  const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(e, g));
  const __m256 huge = _mm256_cmp_ps(abs_n, splat(192.0f), _CMP_GT_OQ);
  const __m256 scaled = _mm256_blendv_ps(_mm256_fmadd_ps(k, j, k),
                                         _mm256_mul_ps(_mm256_fmadd_ps(s2, j, s2), s1), big);
  return _mm256_blendv_ps(scaled, _mm256_mul_ps(s1, s1), huge);
}

}  // namespace

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + i), s);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(v, _mm256_loadu_ps(w + i)));
  }
  for (; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

// llama.cpp's rotation is scalar C++ built with FP contraction: GCC fuses the first product of
// each line, x0·cos - x1·sin -> fma(x0, cos, -(x1·sin)) and x0·sin + x1·cos -> fma(x0, sin,
// x1·cos). The same fusions here (vectorized for NEOX pairs).
void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table) {
  const int half = n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    int i = 0;
    if (style == RopeStyle::kNeox) {
      for (; i + 8 <= half; i += 8) {
        const __m256 a = _mm256_loadu_ps(v + i);
        const __m256 b = _mm256_loadu_ps(v + i + half);
        const __m256 c = _mm256_loadu_ps(cos_table + i);
        const __m256 sn = _mm256_loadu_ps(sin_table + i);
        _mm256_storeu_ps(v + i, _mm256_fmsub_ps(a, c, _mm256_mul_ps(b, sn)));
        _mm256_storeu_ps(v + i + half, _mm256_fmadd_ps(a, sn, _mm256_mul_ps(b, c)));
      }
    }
    for (; i < half; ++i) {
      const int i0 = style == RopeStyle::kNorm ? 2 * i : i;
      const int i1 = style == RopeStyle::kNorm ? 2 * i + 1 : i + half;
      const float a = v[i0];
      const float b = v[i1];
      v[i0] = std::fma(a, cos_table[i], -(b * sin_table[i]));
      v[i1] = std::fma(a, sin_table[i], b * cos_table[i]);
    }
  }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 g = _mm256_loadu_ps(gate + i);
    const __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), g));
    const __m256 silu = _mm256_div_ps(g, _mm256_add_ps(splat(1.0f), e));
    _mm256_storeu_ps(out + i, _mm256_mul_ps(silu, _mm256_loadu_ps(up + i)));
  }
  for (; i < n; ++i) out[i] = (gate[i] / (1.0f + std::exp(-gate[i]))) * up[i];
}

void add(float* y, const float* x, int64_t n) {
  simd::add<Arch>(y, x, n);
}

void scale(float* x, float s, int64_t n) {
  simd::scale<Arch>(x, s, n);
}

}  // namespace shoptalk::kernels::x86
