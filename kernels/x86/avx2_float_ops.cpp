// The float element-wise kernels for AVX2 with FMA: add and scale are the xsimd ones of
// kernels/simd/float_ops.h; rmsnorm, rope_apply and silu_mul follow llama.cpp's CPU numerics bit
// for bit (the reference the engine is compared with): rmsnorm sums the float squares one by one
// in double; rope fuses like GCC's contraction of ggml's scalar code; silu uses the vectorized exp
// of ggml's AVX2 build (a polynomial after a 2^n reduction, ≈1.5 ulp) on full vectors of 8, libm
// expf on the tail.
#include <immintrin.h>

#include <cmath>

#include "kernels/simd/float_ops.h"
#include "kernels/x86/avx2_exp.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {

using Arch = xsimd::fma3<xsimd::avx2>;

__m256 splat(float v) {
  return _mm256_set1_ps(v);
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
