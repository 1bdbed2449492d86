// The scalar kernels, declared for the scalar table (table.cpp) and the tests. Portable C++ in the
// generic reference order of docs/formats.md; no SIMD intrinsics.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::scalar {

// Float weights (vec_dot_float.cpp): activations already in the weight's type.
float vec_dot_f32(int64_t n, const void* w, const void* a);
float vec_dot_f16(int64_t n, const void* w, const void* a);
float vec_dot_bf16(int64_t n, const void* w, const void* a);

// 32-element block weights (vec_dot_legacy.cpp).
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a);
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a);
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* a);

// The level's int8 multiply-add probe (dot_probe.cpp; KernelTable::int8_dot_probe).
int64_t int8_dot_probe(int64_t rounds);

// 256-element super-block weights (vec_dot_k.cpp).
float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_iq4_xs_q8_k(int64_t n, const void* w, const void* a);

// The prefill formulation (prefill.cpp; TypeKernels::prefill) of a weight type over row-major
// weights: Q4_0, Q5_0, Q8_0, Q4_K, Q5_K, Q6_K; nullptr for other types. And the activation sums
// the SIMD prefill kernels read (KernelTable::act_sums).
PrefillFn prefill_kernel(GgmlType type);
void act_sums_q8_0(const void* act_row, void* sums, int64_t n);
void act_sums_q8_k(const void* act_row, void* sums, int64_t n);

// Activation conversion (quantize_act.cpp): the x86 AVX2 variants of Q8_0/Q8_1 (id = 127/amax,
// round half to even), Q8_K as docs/formats.md gives it, rne fp16/bf16.
void from_float_f32(const float* x, void* dst, int64_t n);
void from_float_f16(const float* x, void* dst, int64_t n);
void from_float_bf16(const float* x, void* dst, int64_t n);
void quantize_row_q8_0(const float* x, void* dst, int64_t n);
void quantize_row_q8_1(const float* x, void* dst, int64_t n);
void quantize_row_q8_k(const float* x, void* dst, int64_t n);

// KV-cache row conversion to float (convert.cpp).
void to_float_f32(const void* src, float* y, int64_t n);
void to_float_f16(const void* src, float* y, int64_t n);
void to_float_bf16(const void* src, float* y, int64_t n);
void to_float_q8_0(const void* src, float* y, int64_t n);
void to_float_q4_0(const void* src, float* y, int64_t n);

// Float element-wise operations (float_ops.cpp).
void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps);
void rope_cache(int64_t pos, int n_rot, float freq_base, float freq_scale, float attn_factor,
                const float* factors, float* cos_out, float* sin_out);
void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table);
void silu_mul(const float* gate, const float* up, float* out, int64_t n);
void add(float* y, const float* x, int64_t n);
void scale(float* x, float s, int64_t n);

// Flash-attention one-row path (attention.cpp).
void attention_row(const KernelTable& table, const AttentionRow& args);

// The GQA-group path (attention_group.cpp): positions in chunks of kAttentionChunk, one softmax
// rescale per chunk. SIMD versions run the same steps.
inline constexpr int kAttentionChunk = 32;
void attention_group(const KernelTable& table, const AttentionGroup& args);
// One chunk's softmax step for one query: scores[0, count) become e^(score - new max), the
// running max and sum advance; returns the factor the query's accumulator must be scaled by.
float softmax_chunk(float* scores, int count, float& running_max, float& running_sum);

// The tiled prefill path (attention_tile.cpp), the reference of kernels/simd/attention_tile.h.
void attention_tile(const KernelTable& table, const AttentionTile& tile);

}  // namespace shoptalk::kernels::scalar
