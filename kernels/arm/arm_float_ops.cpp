// The xsimd float kernels (kernels/simd/float_ops.h) instantiated for NEON: xsimd::neon64 on
// aarch64 (ARMv8.0), xsimd::neon on armv7.
#include "kernels/arm/arm_kernels.h"
#include "kernels/simd/float_ops.h"

namespace shoptalk::kernels::arm {

namespace {
#if defined(__aarch64__)
using Arch = xsimd::neon64;
#else
using Arch = xsimd::neon;
#endif
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

}  // namespace shoptalk::kernels::arm
