// The AVX2 kernels behind avx2_kernels(), declared for the table (avx2_table.cpp). Each has a
// scalar reference in kernels/scalar/ and a comparison test in tests/kernels/x86_kernels_test.cpp.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::x86 {

// Quantized weights × Q8_0/Q8_1 activations (avx2_gemm_legacy.cpp): register-tiled GEMM and the
// single dot product that is its 1×1 case.
void gemm_q4_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void gemm_q8_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void gemm_q5_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void gemm_iq4_nl(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
                 const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
// The same over the packed panel layout (kernels/packed_layout.h), bit-identical to vec_dot.
void packed_gemm_q4_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
void packed_gemm_q8_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
void packed_gemm_q5_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* a);
float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a);
float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a);

// K-quants × Q8_K (avx2_gemm_k.cpp).
void gemm_q4_k(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void gemm_q5_k(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void gemm_q6_k(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride);
void packed_gemm_q4_k(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
void packed_gemm_q5_k(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
void packed_gemm_q6_k(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride);
float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* a);
float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* a);

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

}  // namespace shoptalk::kernels::x86
