// AVX2 one-row attention with llama.cpp's flash-attention numerics (docs/models.md). Per
// chunk of positions: the scores (the table's K·Q dot products) and the online-softmax steps
// first, then the values accumulated with a block of the accumulator held in registers. Like
// ggml's vec_mad, each value step is one FMA (acc + v·w); for an F16 cache the accumulator is
// rounded to fp16 after every step (F16C), otherwise it is float.
#include <immintrin.h>

#include <cmath>
#include <limits>

#include "formats/blocks.h"
#include "kernels/matmul.h"
#include "kernels/scalar/scalar.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {

namespace {

constexpr int kMaxQBytes = kMaxHeadDim * 2;
// Positions whose scores and softmax steps are computed before their values are accumulated.
constexpr int kChunk = 16;
// Value dimensions held in registers while a chunk's positions are accumulated.
constexpr int kDimBlock = 64;

// One position's online-softmax step: the accumulator is first multiplied by old_scale (when the
// position raised the running max), then the value is added with weight.
struct Step {
  float old_scale;
  float weight;
};

// Key rows requested ahead of their dot product.
constexpr int kPrefetchRows = 6;

__m256 round_fp16(__m256 v) {
  return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
}

// acc[0, 8·nv) over the chunk's positions; fp16 values rounded after each step (F16 cache) or
// float values (the dequantized rows of other caches), the same per-element operations as the
// scalar kernel.
template <bool kF16>
void accumulate(float* acc, int nv, const Step* steps, int count, const uint8_t* v, size_t v_stride,
                const float* v_float, int hd) {
  __m256 a[kDimBlock / 8];
  for (int k = 0; k < nv; ++k) a[k] = _mm256_loadu_ps(acc + 8 * k);
  for (int c = 0; c < count; ++c) {
    if (steps[c].old_scale != 1.0f) {
      const __m256 s = _mm256_set1_ps(steps[c].old_scale);
      for (int k = 0; k < nv; ++k)
        a[k] = kF16 ? round_fp16(_mm256_mul_ps(a[k], s)) : _mm256_mul_ps(a[k], s);
    }
    const __m256 w = _mm256_set1_ps(steps[c].weight);
    for (int k = 0; k < nv; ++k) {
      __m256 value;
      if (kF16) {
        const uint16_t* row = reinterpret_cast<const uint16_t*>(v + c * v_stride);
        value = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 8 * k)));
      } else {
        value = _mm256_loadu_ps(v_float + c * hd + 8 * k);
      }
      const __m256 sum = _mm256_fmadd_ps(value, w, a[k]);
      a[k] = kF16 ? round_fp16(sum) : sum;
    }
  }
  for (int k = 0; k < nv; ++k) _mm256_storeu_ps(acc + 8 * k, a[k]);
}

}  // namespace

void attention_row(const KernelTable& table, const AttentionRow& args) {
  const int hd = args.head_dim;
  if (hd % 8 != 0) {
    scalar::attention_row(table, args);
    return;
  }
  const TypeKernels& k_kernels = table.types[static_cast<int>(args.kv_type)];
  alignas(32) uint8_t q_conv[kMaxQBytes];
  table.from_float[static_cast<int>(k_kernels.vec_dot_type)](args.q, q_conv, hd);
  const bool f16 = args.kv_type == GgmlType::F16;
  const size_t row_bytes = activation_row_bytes(args.kv_type, hd);
  alignas(32) float acc[kMaxHeadDim];
  alignas(32) float v_float[kChunk * kMaxHeadDim];
  Step steps[kChunk];
  for (int d = 0; d < hd; ++d) acc[d] = 0.0f;
  float running_max = -std::numeric_limits<float>::infinity();
  float running_sum = 0.0f;
  for (int64_t j0 = 0; j0 < args.n_kv; j0 += kChunk) {
    const int count = static_cast<int>(args.n_kv - j0 < kChunk ? args.n_kv - j0 : kChunk);
    for (int c = 0; c < count; ++c) {
      // The key row kPrefetchRows ahead and this position's value row.
      prefetch_lines(args.k + (j0 + c + kPrefetchRows) * args.kv_stride, row_bytes);
      prefetch_lines(args.v + (j0 + c) * args.kv_stride, row_bytes);
      const float s =
          k_kernels.vec_dot(hd, args.k + (j0 + c) * args.kv_stride, q_conv) * args.scale;
      steps[c] = {1.0f, 1.0f};
      if (s > running_max) {
        steps[c].old_scale = std::exp(running_max - s);
        running_max = s;
      } else {
        steps[c].weight = std::exp(s - running_max);
      }
      // llama.cpp's S = S·ms + vs, fused by GCC's contraction.
      running_sum = std::fma(running_sum, steps[c].old_scale, steps[c].weight);
    }
    const uint8_t* v = args.v + j0 * args.kv_stride;
    if (!f16) {
      for (int c = 0; c < count; ++c)
        k_kernels.to_float(v + c * args.kv_stride, v_float + c * hd, hd);
    }
    for (int d0 = 0; d0 < hd; d0 += kDimBlock) {
      const int nv = (hd - d0 < kDimBlock ? hd - d0 : kDimBlock) / 8;
      if (f16) {
        accumulate<true>(acc + d0, nv, steps, count, v + 2 * d0, args.kv_stride, nullptr, hd);
      } else {
        accumulate<false>(acc + d0, nv, steps, count, nullptr, 0, v_float + d0, hd);
      }
    }
  }
  const float inv = running_sum == 0.0f ? 0.0f : 1.0f / running_sum;
  const __m256 iv = _mm256_set1_ps(inv);
  for (int d = 0; d < hd; d += 8)
    _mm256_storeu_ps(args.out + d, _mm256_mul_ps(_mm256_loadu_ps(acc + d), iv));
}

}  // namespace shoptalk::kernels::x86
