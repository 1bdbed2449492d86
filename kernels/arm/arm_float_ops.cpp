// The xsimd float kernels (kernels/simd/float_ops.h) instantiated for NEON: xsimd::neon64 on
// aarch64 (ARMv8.0), xsimd::neon on armv7.
#include <arm_neon.h>

#include "kernels/arm/arm_kernels.h"
#include "kernels/simd/float_ops.h"

namespace shoptalk::kernels::arm {

namespace {
#if defined(__aarch64__)
using Arch = xsimd::neon64;
#else
using Arch = xsimd::neon;
#endif

// xsimd 8 divides floats on NEON (aarch64 too) by a reciprocal estimate and two Newton steps, up
// to 2 ulp off: silu divides exactly instead, like the scalar and x86 kernels.
struct ExactDivide {
  xsimd::batch<float, Arch> operator()(const xsimd::batch<float, Arch>& a,
                                       const xsimd::batch<float, Arch>& b) const {
#if defined(__aarch64__)
    return vdivq_f32(a, b);
#else
    // armv7 NEON has no division instruction: VFP divides lane by lane.
    alignas(16) float num[4];
    alignas(16) float den[4];
    a.store_aligned(num);
    b.store_aligned(den);
    for (int k = 0; k < 4; ++k) num[k] /= den[k];
    return xsimd::batch<float, Arch>::load_aligned(num);
#endif
  }
};
}  // namespace

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  simd::rmsnorm<Arch>(x, w, y, n, eps);
}

void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table) {
  simd::rope_apply<Arch>(x, n_heads, head_dim, n_rot, style, cos_table, sin_table);
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  simd::silu_mul<Arch, ExactDivide>(gate, up, out, n);
}

void add(float* y, const float* x, int64_t n) {
  simd::add<Arch>(y, x, n);
}

void scale(float* x, float s, int64_t n) {
  simd::scale<Arch>(x, s, n);
}

}  // namespace shoptalk::kernels::arm
