// The x86 kernels behind the tables of x86_table.cpp. The AVX2 ones below are shared by every level
// (AVX2, AVX-VNNI, AVX-512); the integer dot products and GEMMs exist once per level, each level's
// translation units filling its entries of a table. Each kernel has a scalar reference in
// kernels/scalar/ and a comparison test in tests/kernels/x86_kernels_test.cpp.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::x86 {

// Float weights (avx2_dot_float.cpp): products in float lanes with FMA.
float vec_dot_f32(int64_t n, const void* w, const void* a);
float vec_dot_f16(int64_t n, const void* w, const void* a);
float vec_dot_bf16(int64_t n, const void* w, const void* a);

// Activation conversion (avx2_quantize.cpp): bit-identical to the scalar table's.
void from_float_f16(const float* x, void* dst, int64_t n);
void from_float_bf16(const float* x, void* dst, int64_t n);
void quantize_row_q8_0(const float* x, void* dst, int64_t n);
void quantize_row_q8_1(const float* x, void* dst, int64_t n);
void quantize_row_q8_k(const float* x, void* dst, int64_t n);
// The prefill side sums of Q8_0 and Q8_K rows (Q8_K: from the row's bsums).
void act_sums_q8_0(const void* act_row, void* sums, int64_t n);
void act_sums_q8_k(const void* act_row, void* sums, int64_t n);
void to_float_f16(const void* src, float* y, int64_t n);
void to_float_q8_0(const void* src, float* y, int64_t n);
void to_float_q4_0(const void* src, float* y, int64_t n);

// Float element-wise operations (avx2_float_ops.cpp: kernels/simd/float_ops.h for AVX2).
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);
void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table);
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void add(float* y, const float* x, int64_t n);
void scale(float* x, float s, int64_t n);

// One query row of attention over an F16, Q8_0 or Q4_0 cache (avx2_attention.cpp).
void attention_row(const KernelTable& table, const AttentionRow& args);
// A GQA group of query rows at once (avx2_attention_group.cpp).
void attention_group(const KernelTable& table, const AttentionGroup& args);
// A tile of prompt rows with the causal mask (avx2_attention_tile.cpp).
void attention_tile(const KernelTable& table, const AttentionTile& tile);

// Integer vec_dot, GEMM and packed GEMM entries of Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_1, Q5_1
// (set_legacy_kernels: avx2_gemm_legacy.h) and Q4_K, Q5_K, Q6_K (set_k_kernels: avx2_gemm_k.h),
// one namespace per level, each in translation units compiled with that level's flags
// (<level>_gemm_legacy.cpp, <level>_gemm_k.cpp).
namespace avx2 {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
}  // namespace avx2
#if defined(SHOPTALK_HAVE_AVX_VNNI_KERNELS)
namespace avx_vnni {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
}  // namespace avx_vnni
#endif
#if defined(SHOPTALK_HAVE_AVX512_KERNELS)
namespace avx512 {
void set_legacy_kernels(KernelTable& table);
void set_k_kernels(KernelTable& table);
// The prompt attention tile on 512-bit vectors (avx512_attention_tile.cpp).
void attention_tile(const KernelTable& table, const AttentionTile& tile);
}  // namespace avx512
#endif

// The level tables (x86_table.cpp): the scalar table with the entries above. Callers check the CPU
// first (x86_cpu.cpp); a table is built on first use.
const KernelTable& avx2_table();
#if defined(SHOPTALK_HAVE_AVX_VNNI_KERNELS)
const KernelTable& avx_vnni_table();
#endif
#if defined(SHOPTALK_HAVE_AVX512_KERNELS)
const KernelTable& avx512_table();
#endif

}  // namespace shoptalk::kernels::x86
