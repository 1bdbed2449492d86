// Float element-wise kernels written once with xsimd and instantiated per ISA (an ISA folder
// includes this header from a translation unit compiled with its flags, with its xsimd arch).
// Same formulas as kernels/scalar/float_ops.cpp; only the sum of squares of rmsnorm (float lanes,
// then double) and silu's exp (xsimd's, within 1-2 ulp of libm) round differently.
#pragma once

#include <cmath>
#include <cstdint>
#include <xsimd/xsimd.hpp>

#include "kernels/kernels.h"

namespace shoptalk::kernels::simd {

template <class A>
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  using B = xsimd::batch<float, A>;
  constexpr int64_t N = static_cast<int64_t>(B::size);
  B acc0(0.0f), acc1(0.0f);
  int64_t i = 0;
  for (; i + 2 * N <= n; i += 2 * N) {
    const B a = B::load_unaligned(x + i);
    const B b = B::load_unaligned(x + i + N);
    acc0 += a * a;
    acc1 += b * b;
  }
  double sum = static_cast<double>(xsimd::hadd(acc0)) + static_cast<double>(xsimd::hadd(acc1));
  for (; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  const B s(scale);
  i = 0;
  for (; i + N <= n; i += N)
    ((B::load_unaligned(x + i) * s) * B::load_unaligned(w + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

template <class A>
void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table) {
  using B = xsimd::batch<float, A>;
  constexpr int N = static_cast<int>(B::size);
  const int half = n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    int i = 0;
    if (style == RopeStyle::kNeox) {
      for (; i + N <= half; i += N) {
        const B a = B::load_unaligned(v + i);
        const B b = B::load_unaligned(v + i + half);
        const B c = B::load_unaligned(cos_table + i);
        const B s = B::load_unaligned(sin_table + i);
        (a * c - b * s).store_unaligned(v + i);
        (a * s + b * c).store_unaligned(v + i + half);
      }
    }
    // Pairs (2i, 2i+1) of the NORM style and the NEOX tail, one pair at a time.
    for (; i < half; ++i) {
      const int i0 = style == RopeStyle::kNorm ? 2 * i : i;
      const int i1 = style == RopeStyle::kNorm ? 2 * i + 1 : i + half;
      const float a = v[i0];
      const float b = v[i1];
      v[i0] = a * cos_table[i] - b * sin_table[i];
      v[i1] = a * sin_table[i] + b * cos_table[i];
    }
  }
}

// xsimd's float division, correctly rounded on x86. A level where it is not passes its own.
struct XsimdDivide {
  template <class B>
  B operator()(const B& a, const B& b) const {
    return a / b;
  }
};

template <class A, class Divide = XsimdDivide>
void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  using B = xsimd::batch<float, A>;
  constexpr int64_t N = static_cast<int64_t>(B::size);
  const B one(1.0f);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const B g = B::load_unaligned(gate + i);
    (Divide{}(g, one + xsimd::exp(-g)) * B::load_unaligned(up + i)).store_unaligned(out + i);
  }
  for (; i < n; ++i) out[i] = (gate[i] / (1.0f + std::exp(-gate[i]))) * up[i];
}

template <class A>
void add(float* y, const float* x, int64_t n) {
  using B = xsimd::batch<float, A>;
  constexpr int64_t N = static_cast<int64_t>(B::size);
  int64_t i = 0;
  for (; i + N <= n; i += N)
    (B::load_unaligned(y + i) + B::load_unaligned(x + i)).store_unaligned(y + i);
  for (; i < n; ++i) y[i] += x[i];
}

template <class A>
void scale(float* x, float s, int64_t n) {
  using B = xsimd::batch<float, A>;
  constexpr int64_t N = static_cast<int64_t>(B::size);
  const B sv(s);
  int64_t i = 0;
  for (; i + N <= n; i += N) (B::load_unaligned(x + i) * sv).store_unaligned(x + i);
  for (; i < n; ++i) x[i] *= s;
}

}  // namespace shoptalk::kernels::simd
