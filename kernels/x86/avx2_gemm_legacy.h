// GEMM/GEMV of the 32-element block weights with Q8_0/Q8_1 activations for the AVX2-family levels,
// over a level's dot step (avx2_int_dot.h). Weight values are widened to bytes once per tile row;
// each (row, token) pair takes |w| × sign-moved a (signed types) or u × a seeded with the token's
// offset correction (Q4_0, Q5_0) into 8 int32 lanes and adds d_w·d_a·Σ into 8 float lanes
// (summed once at the end). Each level's <level>_gemm_legacy.cpp instantiates it with that level's
// flags.
#pragma once

#include <immintrin.h>

#include <cmath>

#include "formats/blocks.h"
#include "kernels/kernels.h"
#include "kernels/x86/avx2_dot_probe.h"
#include "kernels/x86/avx2_int_dot.h"
#include "kernels/x86/avx2_tile.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {
namespace {

// A block's 32 weight values as bytes: signed (kOffset == 0), or unsigned u with the value
// u - kOffset (Q4_0, Q5_0), which the tile multiplies as they are and corrects per lane.
struct Q4_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static constexpr int kOffset = 8;
  static __m256i values(const uint8_t* b) { return unpack_nibbles16(b + 2); }
};

struct Q8_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static constexpr int kOffset = 0;
  static __m256i values(const uint8_t* b) { return load256(b + 2); }
};

struct Q5_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static constexpr int kOffset = 16;
  static __m256i values(const uint8_t* b) {
    return _mm256_or_si256(unpack_nibbles16(b + 6), expand_bits16(b + 2));
  }
};

struct IQ4_NLValues {
  static constexpr size_t kBytes = sizeof(BlockIQ4_NL);
  static constexpr int kOffset = 0;
  static __m256i values(const uint8_t* b) {
    const __m256i table = _mm256_broadcastsi128_si256(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(kIQ4NLValues)));
    return _mm256_shuffle_epi8(table, unpack_nibbles16(b + 2));
  }
};

template <class V, class Dot>
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
      // Each token's block, and for unsigned weights the lane correction -kOffset·Σa (the same
      // int32 lanes as Σ (u - kOffset)·a), which then seeds every row's dot step.
      __m256i q[T], base[T];
      __m256 da[T];
      for (int j = 0; j < T; ++j) {
        const BlockQ8_0* a = reinterpret_cast<const BlockQ8_0*>(x[j]) + b;
        q[j] = load256(a->qs);
        da[j] = _mm256_set1_ps(fp16_load(a->d));
        const __m256i zero = _mm256_setzero_si256();
        base[j] = V::kOffset == 0
                      ? zero
                      : _mm256_sub_epi32(zero, Dot::dot(zero, _mm256_set1_epi8(V::kOffset), q[j]));
      }
      for (int i = 0; i < R; ++i) {
        const uint8_t* blk = w[i] + static_cast<size_t>(b) * stride;
        if (T == 1) prefetch_block(blk, V::kBytes, ahead);
        const __m256i values = V::values(blk);
        // The unsigned operand: u itself, or |w| for signed weights (w's sign then moves onto a).
        const __m256i magnitudes = V::kOffset != 0 ? values : _mm256_sign_epi8(values, values);
        uint16_t d;
        __builtin_memcpy(&d, blk, sizeof d);
        const __m256 dw = _mm256_set1_ps(fp16_load(d));
        for (int j = 0; j < T; ++j) {
          const __m256i a = V::kOffset != 0 ? q[j] : _mm256_sign_epi8(q[j], values);
          const __m256i p = Dot::dot(base[j], magnitudes, a);
          acc[i][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_mul_ps(dw, da[j]), acc[i][j]);
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) out[i][j] = hsum(acc[i][j]);
  }
};

// Q4_1/Q5_1 × Q8_1: unsigned weights, d_w·d_a·Σ q·a + m_w·s_a per block.
template <bool kFiveBits, class Dot>
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
    const __m256i p = Dot::dot(_mm256_setzero_si256(), q, load256(y[b].qs));
    acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), _mm256_set1_ps(fp16_load(d) * fp16_load(y[b].d)),
                          acc);
    // llama.cpp's scalar summs += m·s, fused by GCC's contraction.
    min_sum = std::fma(fp16_load(m), fp16_load(y[b].s), min_sum);
  }
  return hsum(acc) + min_sum;
}

// Fills the Q4_0, Q5_0, Q8_0, IQ4_NL (vec_dot, GEMM, packed GEMM where packed) and Q4_1, Q5_1
// (vec_dot) entries with the kernels over the level's dot step, and the probe of that step.
template <class Dot>
void set_legacy(KernelTable& table) {
  set_type<LegacyKernel<Q4_0Values, Dot>>(table, GgmlType::Q4_0, true);
  set_type<LegacyKernel<Q5_0Values, Dot>>(table, GgmlType::Q5_0, true);
  set_type<LegacyKernel<Q8_0Values, Dot>>(table, GgmlType::Q8_0, true);
  set_type<LegacyKernel<IQ4_NLValues, Dot>>(table, GgmlType::IQ4_NL, false);
  table.types[static_cast<int>(GgmlType::Q4_1)].vec_dot = dot_q_1<false, Dot>;
  table.types[static_cast<int>(GgmlType::Q5_1)].vec_dot = dot_q_1<true, Dot>;
  table.int8_dot_probe = dot_probe<X86ProbeOps<Dot>>;
}

}  // namespace
}  // namespace shoptalk::kernels::x86
