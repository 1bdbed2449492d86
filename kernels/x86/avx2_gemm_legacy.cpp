// AVX2 GEMM/GEMV of the 32-element block weights with Q8_0/Q8_1 activations. Weight values are
// widened to signed bytes once per tile row; each (row, token) pair takes |w| × sign-moved a with
// maddubs, widens to int32 and adds d_w·d_a·Σ into 8 float lanes (summed once at the end).
#include <immintrin.h>

#include <cmath>

#include "formats/blocks.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_tile.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {

namespace {

struct Q4_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static __m256i values(const uint8_t* b) {
    return _mm256_sub_epi8(unpack_nibbles16(b + 2), _mm256_set1_epi8(8));
  }
};

struct Q8_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static __m256i values(const uint8_t* b) { return load256(b + 2); }
};

struct Q5_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static __m256i values(const uint8_t* b) {
    const __m256i q = _mm256_or_si256(unpack_nibbles16(b + 6), expand_bits16(b + 2));
    return _mm256_sub_epi8(q, _mm256_set1_epi8(16));
  }
};

struct IQ4_NLValues {
  static constexpr size_t kBytes = sizeof(BlockIQ4_NL);
  static __m256i values(const uint8_t* b) {
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4NLValues)));
    return _mm256_shuffle_epi8(table, unpack_nibbles16(b + 2));
  }
};

template <class V>
struct LegacyKernel {
  static constexpr int kBlock = kQK;
  static constexpr size_t kBlockBytes = V::kBytes;
  static constexpr int kGemvRows = 4;
  static constexpr int kRows = 4;
  static constexpr int kToks = 2;

  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, size_t stride, const uint8_t* const* x,
                   size_t ahead, float (*out)[T]) {
    __m256 acc[R][T];
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) acc[i][j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      __m256i w_abs[R], w_signed[R];
      __m256 dw[R];
      for (int i = 0; i < R; ++i) {
        const uint8_t* blk = w[i] + static_cast<size_t>(b) * stride;
        if (T == 1) prefetch_block(blk, V::kBytes, ahead);
        w_signed[i] = V::values(blk);
        w_abs[i] = _mm256_sign_epi8(w_signed[i], w_signed[i]);
        uint16_t d;
        __builtin_memcpy(&d, blk, sizeof d);
        dw[i] = _mm256_set1_ps(fp16_load(d));
      }
      for (int j = 0; j < T; ++j) {
        const BlockQ8_0* a = reinterpret_cast<const BlockQ8_0*>(x[j]) + b;
        const __m256i q = load256(a->qs);
        const __m256 da = _mm256_set1_ps(fp16_load(a->d));
        for (int i = 0; i < R; ++i) {
          const __m256i p = dot_u8s8(w_abs[i], _mm256_sign_epi8(q, w_signed[i]));
          acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(dw[i], da), acc[i][j]);
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) out[i][j] = hsum(acc[i][j]);
  }
};

// Q4_1/Q5_1 × Q8_1: unsigned weights, d_w·d_a·Σ q·a + m_w·s_a per block.
template <bool kFiveBits>
float dot_q_1(int64_t n, const void* w, const void* a) {
  const uint8_t* x = static_cast<const uint8_t*>(w);
  const BlockQ8_1* y = static_cast<const BlockQ8_1*>(a);
  constexpr size_t kBytes = kFiveBits ? sizeof(BlockQ5_1) : sizeof(BlockQ4_1);
  __m256 acc = _mm256_setzero_ps();
  float min_sum = 0.0f;
  for (int64_t b = 0; b < n / kQK; ++b) {
    const uint8_t* blk = x + static_cast<size_t>(b) * kBytes;
    uint16_t d, m;
    __builtin_memcpy(&d, blk, sizeof d);
    __builtin_memcpy(&m, blk + 2, sizeof m);
    __m256i q = unpack_nibbles16(blk + (kFiveBits ? 8 : 4));
    if (kFiveBits) q = _mm256_or_si256(q, expand_bits16(blk + 4));
    const __m256i p = dot_u8s8(q, load256(y[b].qs));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(fp16_load(d) * fp16_load(y[b].d)),
                          acc);
    // llama.cpp's scalar summs += m·s, fused by GCC's contraction.
    min_sum = std::fma(fp16_load(m), fp16_load(y[b].s), min_sum);
  }
  return hsum(acc) + min_sum;
}

}  // namespace

void gemm_q4_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  gemm<LegacyKernel<Q4_0Values>>(n, w, w_row_bytes, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void gemm_q8_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  gemm<LegacyKernel<Q8_0Values>>(n, w, w_row_bytes, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void gemm_q5_0(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
               const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  gemm<LegacyKernel<Q5_0Values>>(n, w, w_row_bytes, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void gemm_iq4_nl(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
                 const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  gemm<LegacyKernel<IQ4_NLValues>>(n, w, w_row_bytes, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void packed_gemm_q4_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride) {
  gemm_packed<LegacyKernel<Q4_0Values>>(n, w, rows, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void packed_gemm_q8_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride) {
  gemm_packed<LegacyKernel<Q8_0Values>>(n, w, rows, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

void packed_gemm_q5_0(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                      const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y,
                      int64_t y_stride) {
  gemm_packed<LegacyKernel<Q5_0Values>>(n, w, rows, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

float vec_dot_q4_0_q8_0(int64_t n, const void* w, const void* a) {
  return vec_dot<LegacyKernel<Q4_0Values>>(n, w, a);
}

float vec_dot_q8_0_q8_0(int64_t n, const void* w, const void* a) {
  return vec_dot<LegacyKernel<Q8_0Values>>(n, w, a);
}

float vec_dot_q5_0_q8_0(int64_t n, const void* w, const void* a) {
  return vec_dot<LegacyKernel<Q5_0Values>>(n, w, a);
}

float vec_dot_iq4_nl_q8_0(int64_t n, const void* w, const void* a) {
  return vec_dot<LegacyKernel<IQ4_NLValues>>(n, w, a);
}

float vec_dot_q4_1_q8_1(int64_t n, const void* w, const void* a) {
  return dot_q_1<false>(n, w, a);
}

float vec_dot_q5_1_q8_1(int64_t n, const void* w, const void* a) {
  return dot_q_1<true>(n, w, a);
}

}  // namespace shoptalk::kernels::x86
