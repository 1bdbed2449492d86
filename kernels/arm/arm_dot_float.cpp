// NEON dot products of F32/F16/BF16 weight rows with activations of the same type: 16 products per
// step into 4 float accumulators (fused multiply-add on aarch64), a scalar tail.
#include <arm_neon.h>

#include <cstring>

#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_util.h"

namespace shoptalk::kernels::arm {

namespace {

struct F32Load {
  static float32x4_t load(const void* p, int64_t i) {
    return vld1q_f32(static_cast<const float*>(p) + i);
  }
  static float at(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
};

struct BF16Load {
  static float32x4_t load(const void* p, int64_t i) {
    const uint16x4_t h = vld1_u16(static_cast<const uint16_t*>(p) + i);
    return vreinterpretq_f32_u32(vshll_n_u16(h, 16));
  }
  static float at(const void* p, int64_t i) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(p)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

#if defined(__aarch64__)
struct F16Load {
  static float32x4_t load(const void* p, int64_t i) {
    const uint16x4_t h = vld1_u16(static_cast<const uint16_t*>(p) + i);
    return vcvt_f32_f16(vreinterpret_f16_u16(h));
  }
  static float at(const void* p, int64_t i) {
    return fp16_load(static_cast<const uint16_t*>(p)[i]);
  }
};
#endif

template <class L>
float dot(int64_t n, const void* w, const void* a) {
  float32x4_t acc[4] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    for (int k = 0; k < 4; ++k)
      acc[k] = mul_add(acc[k], L::load(w, i + 4 * k), L::load(a, i + 4 * k));
  for (; i + 4 <= n; i += 4) acc[0] = mul_add(acc[0], L::load(w, i), L::load(a, i));
  float sum = hsum_f32(vaddq_f32(vaddq_f32(acc[0], acc[1]), vaddq_f32(acc[2], acc[3])));
  for (; i < n; ++i) sum += L::at(w, i) * L::at(a, i);
  return sum;
}

}  // namespace

float vec_dot_f32(int64_t n, const void* w, const void* a) {
  return dot<F32Load>(n, w, a);
}

float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  return dot<BF16Load>(n, w, a);
}

#if defined(__aarch64__)
float vec_dot_f16(int64_t n, const void* w, const void* a) {
  return dot<F16Load>(n, w, a);
}
#endif

}  // namespace shoptalk::kernels::arm
