// AVX2 attention for a GQA group of query rows, the steps of kernels/scalar/attention_group.cpp:
// per chunk of positions, every query's scores (the table's K·Q dot), the softmax step with the
// vectorized exp, then the value rows added to the float accumulators. Each value row is read
// once per group and used from registers for two queries at a time, so a cache row costs one
// trip from memory however many query heads share it.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/scalar/scalar.h"
#include "kernels/x86/avx2_exp.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {

namespace {

constexpr int kMaxQBytes = kMaxHeadDim * 2;
constexpr int kChunk = scalar::kAttentionChunk;
// Value dimensions per register block: 4 vectors for each of two queries.
constexpr int kDimBlock = 32;

float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// The softmax step of scalar::softmax_chunk with 8 exponentials at a time; scores holds
// kChunk floats, of which [count, kChunk) are ignored and left finite.
float softmax_chunk(float* scores, int count, float& running_max, float& running_sum) {
  const __m256 lowest = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  __m256 chunk_max = lowest;
  int c = 0;
  for (; c + 8 <= count; c += 8) chunk_max = _mm256_max_ps(chunk_max, _mm256_loadu_ps(scores + c));
  float new_max = hmax(chunk_max);
  for (; c < count; ++c) new_max = std::max(new_max, scores[c]);
  new_max = std::max(new_max, running_max);
  const __m256 m = _mm256_set1_ps(new_max);
  __m256 sum = _mm256_setzero_ps();
  const int padded = (count + 7) / 8 * 8;
  for (c = count; c < padded; ++c) scores[c] = new_max;
  for (c = 0; c < padded; c += 8) {
    __m256 e = exp_ps(_mm256_sub_ps(_mm256_loadu_ps(scores + c), m));
    if (c + 8 > count) {
      const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
      const __m256 live =
          _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count - c), lane));
      e = _mm256_and_ps(e, live);
    }
    _mm256_storeu_ps(scores + c, e);
    sum = _mm256_add_ps(sum, e);
  }
  const float rescale = std::exp(running_max - new_max);
  running_max = new_max;
  running_sum = running_sum * rescale + hsum(sum);
  return rescale;
}

// The value row of position c as 8 floats at dimension d: fp16 rows straight from the cache,
// other types from the chunk's dequantized rows.
template <bool kF16>
__m256 value8(const uint8_t* v, size_t v_stride, const float* v_float, int hd, int c, int d) {
  if (kF16)
    return _mm256_cvtph_ps(_mm_loadu_si128(
        reinterpret_cast<const __m128i*>(reinterpret_cast<const uint16_t*>(v + c * v_stride) + d)));
  return _mm256_loadu_ps(v_float + c * hd + d);
}

// acc[g] += Σ_c weights[g][c] · V_c for the queries g0 and g0 + 1 (when pair), one register
// block of dimensions at a time.
template <bool kF16>
void accumulate_pair(float* acc0, float* acc1, const float* w0, const float* w1, int count,
                     const uint8_t* v, size_t v_stride, const float* v_float, int hd) {
  const bool pair = acc1 != nullptr;
  for (int d0 = 0; d0 < hd; d0 += kDimBlock) {
    __m256 a[4], b[4];
    for (int k = 0; k < 4; ++k) {
      a[k] = _mm256_loadu_ps(acc0 + d0 + 8 * k);
      b[k] = pair ? _mm256_loadu_ps(acc1 + d0 + 8 * k) : _mm256_setzero_ps();
    }
    for (int c = 0; c < count; ++c) {
      const __m256 wa = _mm256_set1_ps(w0[c]);
      const __m256 wb = _mm256_set1_ps(pair ? w1[c] : 0.0f);
      for (int k = 0; k < 4; ++k) {
        const __m256 value = value8<kF16>(v, v_stride, v_float, hd, c, d0 + 8 * k);
        a[k] = _mm256_fmadd_ps(value, wa, a[k]);
        if (pair) b[k] = _mm256_fmadd_ps(value, wb, b[k]);
      }
    }
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(acc0 + d0 + 8 * k, a[k]);
      if (pair) _mm256_storeu_ps(acc1 + d0 + 8 * k, b[k]);
    }
  }
}

void prefetch_lines(const uint8_t* p, int bytes) {
  for (int off = 0; off < bytes; off += 64)
    _mm_prefetch(reinterpret_cast<const char*>(p + off), _MM_HINT_T0);
}

void scale_row(float* x, float s, int n) {
  const __m256 sv = _mm256_set1_ps(s);
  for (int d = 0; d < n; d += 8) _mm256_storeu_ps(x + d, _mm256_mul_ps(_mm256_loadu_ps(x + d), sv));
}

}  // namespace

void attention_group(const KernelTable& table, const AttentionGroup& group) {
  const AttentionRow& args = group.first;
  const int hd = args.head_dim;
  const int nq = group.n_query;
  if (hd % kDimBlock != 0) {
    scalar::attention_group(table, group);
    return;
  }
  const TypeKernels& kv = table.types[static_cast<int>(args.kv_type)];
  const bool f16 = args.kv_type == GgmlType::F16;
  alignas(32) uint8_t q_conv[kMaxAttentionGroup][kMaxQBytes];
  alignas(32) float acc[kMaxAttentionGroup][kMaxHeadDim];
  alignas(32) float weights[kMaxAttentionGroup][kChunk];
  alignas(32) float v_float[kChunk * kMaxHeadDim];  // dequantized value rows (not F16)
  float running_max[kMaxAttentionGroup];
  float running_sum[kMaxAttentionGroup];
  for (int g = 0; g < nq; ++g) {
    table.from_float[static_cast<int>(kv.vec_dot_type)](args.q + g * group.q_stride, q_conv[g], hd);
    std::fill(acc[g], acc[g] + hd, 0.0f);
    running_max[g] = -std::numeric_limits<float>::infinity();
    running_sum[g] = 0.0f;
  }
  for (int64_t j0 = 0; j0 < args.n_kv; j0 += kChunk) {
    const int count = static_cast<int>(std::min<int64_t>(kChunk, args.n_kv - j0));
    const uint8_t* k = args.k + j0 * args.kv_stride;
    const uint8_t* v = args.v + j0 * args.kv_stride;
    for (int c = 0; c < count; ++c) {
      // The next chunk's key row and this chunk's value row, every line of them (at most 2·hd
      // bytes; prefetches never fault, so overshooting a quantized row is harmless).
      prefetch_lines(k + (c + kChunk) * args.kv_stride, 2 * hd);
      prefetch_lines(v + c * args.kv_stride, 2 * hd);
      for (int g = 0; g < nq; ++g)
        weights[g][c] = kv.vec_dot(hd, k + c * args.kv_stride, q_conv[g]) * args.scale;
    }
    for (int g = 0; g < nq; ++g) {
      const float rescale = softmax_chunk(weights[g], count, running_max[g], running_sum[g]);
      if (rescale != 1.0f) scale_row(acc[g], rescale, hd);
    }
    if (!f16)
      for (int c = 0; c < count; ++c) kv.to_float(v + c * args.kv_stride, v_float + c * hd, hd);
    for (int g = 0; g < nq; g += 2) {
      const bool pair = g + 1 < nq;
      float* acc1 = pair ? acc[g + 1] : nullptr;
      const float* w1 = pair ? weights[g + 1] : nullptr;
      if (f16) {
        accumulate_pair<true>(acc[g], acc1, weights[g], w1, count, v, args.kv_stride, nullptr, hd);
      } else {
        accumulate_pair<false>(acc[g], acc1, weights[g], w1, count, nullptr, 0, v_float, hd);
      }
    }
  }
  for (int g = 0; g < nq; ++g) {
    const float inv = running_sum[g] == 0.0f ? 0.0f : 1.0f / running_sum[g];
    float* out = args.out + g * group.out_stride;
    for (int d = 0; d < hd; ++d) out[d] = acc[g][d] * inv;
  }
}

}  // namespace shoptalk::kernels::x86
