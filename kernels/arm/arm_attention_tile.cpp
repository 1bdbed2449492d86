// The tiled prefill attention (kernels/simd/attention_tile.h) on 4 NEON float lanes (aarch64): 64
// query rows in sixteen vectors, register tiles of 24 accumulators (6 row vectors × 4 columns) out
// of the 32 registers. Same formulation, so the same bits as the scalar reference. ARMv7's NEON
// has no fused multiply-add, so that target keeps the scalar kernel.
#include "kernels/arm/arm_kernels.h"

#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernels/scalar/scalar.h"
#include "kernels/simd/attention_tile.h"

namespace shoptalk::kernels::arm {

namespace {

struct NeonOps {
  using V = float32x4_t;
  static constexpr int kLanes = 4;
  static constexpr int kAccumulators = 24;
  static constexpr int kRegisterRows = 6;
  static V load(const float* p) { return vld1q_f32(p); }
  static void store(float* p, V v) { vst1q_f32(p, v); }
  static V splat(float x) { return vdupq_n_f32(x); }
  static V bcast(const float* p) { return vld1q_dup_f32(p); }
  static V fma(V a, V b, V c) { return vfmaq_f32(c, a, b); }
  static V mul(V a, V b) { return vmulq_f32(a, b); }
  static V add(V a, V b) { return vaddq_f32(a, b); }
  static V sub(V a, V b) { return vsubq_f32(a, b); }
  static V max(V a, V b) { return vmaxq_f32(a, b); }
  static V select_lt(V x, V y, V a, V b) { return vbslq_f32(vcltq_f32(x, y), a, b); }
  static void prefetch(const void* p) { __builtin_prefetch(p); }
  static V pow2(V z) {
    const uint32x4_t bits = vshlq_n_u32(vreinterpretq_u32_f32(z), 23);
    return vreinterpretq_f32_u32(vaddq_u32(bits, vdupq_n_u32(attention_exp::kOneBits)));
  }
};

}  // namespace

void attention_tile(const KernelTable& table, const AttentionTile& tile) {
  simd::attention_tile<NeonOps>(table, tile, scalar::attention_tile);
}

}  // namespace shoptalk::kernels::arm
#endif
