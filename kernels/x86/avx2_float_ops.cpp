// The xsimd float kernels (kernels/simd/float_ops.h) instantiated for AVX2 with FMA.
#include "kernels/simd/float_ops.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {
using Arch = xsimd::fma3<xsimd::avx2>;
}  // namespace

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  simd::rmsnorm<Arch>(x, w, y, n, eps);
}

void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table) {
  simd::rope_apply<Arch>(x, n_heads, head_dim, n_rot, style, cos_table, sin_table);
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  simd::silu_mul<Arch>(gate, up, out, n);
}

void add(float* y, const float* x, int64_t n) {
  simd::add<Arch>(y, x, n);
}

void scale(float* x, float s, int64_t n) {
  simd::scale<Arch>(x, s, n);
}

}  // namespace shoptalk::kernels::x86
