// The int8_dot_probe of the ARM levels (kernels/dot_probe.h): a level's dot step (arm_dot.h; SMMLA
// for i8mm, whose prefill tiles multiply with it) on 128-bit registers.
#pragma once

#include <arm_neon.h>

#include <cstdint>

#include "kernels/arm/arm_dot.h"
#include "kernels/dot_probe.h"

namespace shoptalk::kernels::arm {
namespace {

#if defined(__ARM_FEATURE_MATMUL_INT8)
// SMMLA: a 2×8 by 8×2 int8 product into 2×2 int32 lanes, 32 multiply-adds.
struct MmlaDot {
  static int32x4_t dot(int32x4_t acc, int8x16_t a, int8x16_t b) { return vmmlaq_s32(acc, a, b); }
};
#endif

// kMacs: the multiply-adds of one Dot::dot on 16-byte operands (16; 32 for SMMLA).
template <class Dot, int kMacs>
struct ArmProbeOps {
  using Operand = int8x16_t;
  using Acc = int32x4_t;
  static constexpr int kMacsPerStep = kMacs;
  static int8x16_t splat(int8_t v) { return vdupq_n_s8(v); }
  static int32x4_t zero() { return vdupq_n_s32(0); }
  static int32x4_t add(int32x4_t a, int32x4_t b) { return vaddq_s32(a, b); }
  static int32x4_t dot(int32x4_t acc, int8x16_t a, int8x16_t b) { return Dot::dot(acc, a, b); }
  static void refresh(int8x16_t& v) { __asm__("" : "+w"(v)); }
  static void keep(int32x4_t v) { __asm__ volatile("" : : "w"(v)); }
};

}  // namespace
}  // namespace shoptalk::kernels::arm
