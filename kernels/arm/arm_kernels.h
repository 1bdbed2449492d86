// The ARM kernels behind the tables of arm_table.cpp. The NEON ones below are shared by every level
// (ARMv8.0 NEON on aarch64, -mfpu=neon on armv7); the integer dot products and GEMMs exist once per
// level, each level's translation units filling its entries of a table. Each kernel has a scalar
// reference in kernels/scalar/ and a comparison test in tests/kernels/arm_kernels_test.cpp.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::arm {

// Activation conversion and KV-cache rows back to float (arm_quantize.cpp, arm_convert.cpp):
// bit-identical to the scalar table's.
void quantize_row_q8_0(const float* x, void* dst, int64_t n);
void quantize_row_q8_k(const float* x, void* dst, int64_t n);
void from_float_bf16(const float* x, void* dst, int64_t n);
void to_float_q8_0(const void* src, float* y, int64_t n);
void to_float_q4_0(const void* src, float* y, int64_t n);
#if defined(__aarch64__)
void from_float_f16(const float* x, void* dst, int64_t n);
void to_float_f16(const void* src, float* y, int64_t n);
#endif

// Float weights (arm_dot_float.cpp): products in 4 × 4 float lanes.
float vec_dot_f32(int64_t n, const void* w, const void* a);
float vec_dot_bf16(int64_t n, const void* w, const void* a);
#if defined(__aarch64__)
float vec_dot_f16(int64_t n, const void* w, const void* a);
#endif

// Float element-wise operations (arm_float_ops.cpp: kernels/simd/float_ops.h for NEON).
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);
void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table);
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void add(float* y, const float* x, int64_t n);
void scale(float* x, float s, int64_t n);

// One query row of attention over an F16 (aarch64), Q8_0 or Q4_0 cache (arm_attention.cpp).
void attention_row(const KernelTable& table, const AttentionRow& args);
#if defined(__aarch64__)
// A tile of prompt rows with the causal mask (arm_attention_tile.cpp).
void attention_tile(const KernelTable& table, const AttentionTile& tile);
#endif

// Integer vec_dot and GEMM entries of Q4_0, Q5_0, Q8_0, IQ4_NL (set_legacy_kernels) and Q4_K,
// Q5_K, Q6_K (set_k_kernels), one namespace per level, each in translation units compiled with that
// level's flags (arm_<level>_legacy.cpp, arm_<level>_k.cpp).
namespace neon {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
}  // namespace neon
namespace dotprod {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
}  // namespace dotprod
namespace i8mm {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
}  // namespace i8mm

// The level tables (arm_table.cpp): the scalar table with the entries above. Callers check the CPU
// first (arm_cpu.cpp); a table is built on first use.
const KernelTable& neon_table();
#if defined(SHOPTALK_HAVE_DOTPROD_KERNELS)
const KernelTable& dotprod_table();
#endif
#if defined(SHOPTALK_HAVE_I8MM_KERNELS)
const KernelTable& i8mm_table();
#endif

}  // namespace shoptalk::kernels::arm
