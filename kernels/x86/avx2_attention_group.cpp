// AVX2 attention for a GQA group of query rows, the steps of kernels/scalar/attention_group.cpp:
// per chunk of positions, every query's scores (the table's K·Q dot), the softmax step with the
// vectorized exp, then the value rows added to the float accumulators. Each value row is read
// once per group and used from registers for two queries at a time, so a cache row costs one
// trip from memory however many query heads share it; Q8_0/Q4_0 rows are dequantized in
// registers, their block scale folded into the weight of the FMA.
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "formats/blocks.h"
#include "kernels/matmul.h"
#include "kernels/scalar/scalar.h"
#include "kernels/x86/avx2_exp.h"
#include "kernels/x86/avx2_int_dot.h"
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

// The softmax step of scalar::softmax_chunk with 8 exponentials at a time, after multiplying the
// raw dot products by `scale` (in the max pass: by then the scalar stores of the score kernels
// have left the store buffer, so the vector loads do not stall on forwarding); scores holds kChunk
// floats, of which [count, kChunk) are ignored and left finite.
float softmax_chunk(float* scores, int count, float scale, float& running_max, float& running_sum) {
  const __m256 lowest = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
  const __m256 scale_v = _mm256_set1_ps(scale);
  __m256 chunk_max = lowest;
  int c = 0;
  for (; c + 8 <= count; c += 8) {
    const __m256 scaled = _mm256_mul_ps(_mm256_loadu_ps(scores + c), scale_v);
    _mm256_storeu_ps(scores + c, scaled);
    chunk_max = _mm256_max_ps(chunk_max, scaled);
  }
  float new_max = hmax(chunk_max);
  for (; c < count; ++c) {
    scores[c] *= scale;
    new_max = std::max(new_max, scores[c]);
  }
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

// 32 values of a cache row (one Q8_0/Q4_0 block without its scale, or 32 fp16 values) as 4
// vectors of floats; a quantized block's scale is folded into the weights (block_weights).
struct Values32 {
  __m256 v[4];
};

Values32 load_f16(const uint8_t* row, int d0) {
  const uint16_t* h = reinterpret_cast<const uint16_t*>(row) + d0;
  Values32 out;
  for (int k = 0; k < 4; ++k)
    out.v[k] = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 8 * k)));
  return out;
}

// Q8_0 widens each 8 bytes straight from memory (vpmovsxbd with a memory operand): no shuffles
// to split a 32-byte register, which would compete with the widening for the shuffle port.
Values32 load_q8_0(const uint8_t* row, int d0) {
  const BlockQ8_0* b = reinterpret_cast<const BlockQ8_0*>(row) + d0 / kQK;
  Values32 out;
  for (int k = 0; k < 4; ++k)
    out.v[k] = _mm256_cvtepi32_ps(
        _mm256_cvtepi8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(b->qs + 8 * k))));
  return out;
}

Values32 load_q4_0(const uint8_t* row, int d0) {
  const BlockQ4_0* b = reinterpret_cast<const BlockQ4_0*>(row) + d0 / kQK;
  const __m256i q = _mm256_sub_epi8(unpack_nibbles16(b->qs), _mm256_set1_epi8(8));
  const __m128i lo = _mm256_castsi256_si128(q);
  const __m128i hi = _mm256_extracti128_si256(q, 1);
  Values32 out;
  out.v[0] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(lo));
  out.v[1] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(lo, 8)));
  out.v[2] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(hi));
  out.v[3] = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_srli_si128(hi, 8)));
  return out;
}

using LoadValues = Values32 (*)(const uint8_t* row, int d0);

// Blocks of 32 dimensions a row can have.
constexpr int kMaxBlocks = kMaxHeadDim / kQK;

// The weights of a chunk with each value block's scale folded in: out[g][b][c] = w[g][c] · d_b
// of value row c. The scales are gathered once per chunk (two scalar moves each) and multiplied
// eight positions at a time, instead of a scalar product and a broadcast per position, block and
// query inside the accumulation.
void block_weights(const uint8_t* v, size_t v_stride, size_t block_bytes, int n_blocks, int count,
                   const float (*w)[kChunk], int nq, float (*out)[kMaxBlocks][kChunk]) {
  alignas(32) uint16_t d[kMaxBlocks][kChunk];
  const int padded = (count + 7) / 8 * 8;
  for (int b = 0; b < n_blocks; ++b) {
    const uint8_t* scale = v + b * block_bytes;
#pragma GCC unroll 8
    for (int c = 0; c < count; ++c) std::memcpy(&d[b][c], scale + c * v_stride, sizeof(uint16_t));
    for (int c = count; c < padded; ++c) d[b][c] = 0;
  }
  for (int b = 0; b < n_blocks; ++b) {
    for (int c = 0; c < padded; c += 8) {
      const __m256 scale =
          _mm256_cvtph_ps(_mm_load_si128(reinterpret_cast<const __m128i*>(&d[b][c])));
      for (int g = 0; g < nq; ++g)
        _mm256_storeu_ps(&out[g][b][c], _mm256_mul_ps(_mm256_loadu_ps(&w[g][c]), scale));
    }
  }
}

using AccumulateFn = void (*)(float* acc0, float* acc1, const float* w0, const float* w1,
                              int block_stride, int count, const uint8_t* v, size_t v_stride,
                              int hd);

// acc[g] += Σ_c weights[g][c] · V_c for the queries g and g + 1 (when pair), one block of 32
// dimensions at a time, the value vectors shared by both queries. The weights of block b start
// b·block_stride floats after w0 and w1 (0 when every block shares them).
template <LoadValues kLoad>
void accumulate_pair(float* acc0, float* acc1, const float* w0, const float* w1, int block_stride,
                     int count, const uint8_t* v, size_t v_stride, int hd) {
  const bool pair = acc1 != nullptr;
  for (int d0 = 0; d0 < hd; d0 += kDimBlock) {
    const float* wa = w0 + d0 / kDimBlock * block_stride;
    const float* wb = pair ? w1 + d0 / kDimBlock * block_stride : wa;
    __m256 a[4], b[4];
    for (int k = 0; k < 4; ++k) {
      a[k] = _mm256_loadu_ps(acc0 + d0 + 8 * k);
      b[k] = pair ? _mm256_loadu_ps(acc1 + d0 + 8 * k) : _mm256_setzero_ps();
    }
    for (int c = 0; c < count; ++c) {
      const Values32 x = kLoad(v + c * v_stride, d0);
      const __m256 ca = _mm256_broadcast_ss(wa + c);
      const __m256 cb = _mm256_broadcast_ss(wb + c);
      for (int k = 0; k < 4; ++k) {
        a[k] = _mm256_fmadd_ps(x.v[k], ca, a[k]);
        if (pair) b[k] = _mm256_fmadd_ps(x.v[k], cb, b[k]);
      }
    }
    for (int k = 0; k < 4; ++k) {
      _mm256_storeu_ps(acc0 + d0 + 8 * k, a[k]);
      if (pair) _mm256_storeu_ps(acc1 + d0 + 8 * k, b[k]);
    }
  }
}

void scale_row(float* x, float s, int n) {
  const __m256 sv = _mm256_set1_ps(s);
  for (int d = 0; d < n; d += 8) _mm256_storeu_ps(x + d, _mm256_mul_ps(_mm256_loadu_ps(x + d), sv));
}

// Key rows scored together, their cache lines prefetched just before: a whole chunk's prefetches
// at once would overflow the line-fill buffers.
constexpr int kScoreRows = 4;

// The lane sums of kScoreRows accumulators stored side by side with one vector store (a
// transposed reduction: three horizontal adds instead of one reduction per row). The lanes past
// a chunk's last row hold copies of it, which the softmax ignores.
void store_sums(const __m256 (&acc)[kScoreRows], float* out) {
  const __m256 pairs =
      _mm256_hadd_ps(_mm256_hadd_ps(acc[0], acc[1]), _mm256_hadd_ps(acc[2], acc[3]));
  _mm_storeu_ps(out, _mm_add_ps(_mm256_castps256_ps128(pairs), _mm256_extractf128_ps(pairs, 1)));
}

// Scores of F16 key rows [c0, c1) (at most kScoreRows) against two queries at a time (float
// copies of the F16-rounded queries): each key row is converted once per query pair and eight dot
// products run side by side instead of one table vec_dot call per (position, query).
void scores_f16(const float (*q)[kMaxHeadDim], int nq, const uint8_t* k, size_t stride, int c0,
                int c1, int hd, float (*weights)[kChunk]) {
  const uint16_t* key[kScoreRows];
  for (int p = 0; p < kScoreRows; ++p)
    key[p] = reinterpret_cast<const uint16_t*>(k + static_cast<size_t>(std::min(c0 + p, c1 - 1)) *
                                                       stride);
  for (int g = 0; g < nq; g += 2) {
    const float* q1 = q[std::min(g + 1, nq - 1)];
    __m256 acc[2][kScoreRows];
    for (int p = 0; p < kScoreRows; ++p) acc[0][p] = acc[1][p] = _mm256_setzero_ps();
    for (int d = 0; d < hd; d += 8) {
      const __m256 qa = _mm256_loadu_ps(q[g] + d);
      const __m256 qb = _mm256_loadu_ps(q1 + d);
      for (int p = 0; p < kScoreRows; ++p) {
        const __m256 kv =
            _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(key[p] + d)));
        acc[0][p] = _mm256_fmadd_ps(kv, qa, acc[0][p]);
        acc[1][p] = _mm256_fmadd_ps(kv, qb, acc[1][p]);
      }
    }
    store_sums(acc[0], weights[g] + c0);
    if (g + 1 < nq) store_sums(acc[1], weights[g + 1] + c0);
  }
}

// The queries of a Q8_0 cache in the form the scores take them, prepared once per call: each
// query's values (the sign source) and their absolute values, and per query pair and block the
// scales in the lane order of the folded sums below.
struct QueriesQ8 {
  alignas(32) int8_t qs[kMaxAttentionGroup][kMaxHeadDim];
  alignas(32) uint8_t abs[kMaxAttentionGroup][kMaxHeadDim];
  alignas(32) float scale[(kMaxAttentionGroup + 1) / 2][kMaxBlocks][8];
};

void prepare_q8_0(const uint8_t (*q)[kMaxQBytes], int nq, int hd, QueriesQ8& out) {
  for (int g = 0; g < nq; ++g) {
    const BlockQ8_0* blocks = reinterpret_cast<const BlockQ8_0*>(q[g]);
    for (int b = 0; b < hd / kQK; ++b) {
      const __m256i qs = load256(blocks[b].qs);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out.qs[g] + b * kQK), qs);
      _mm256_store_si256(reinterpret_cast<__m256i*>(out.abs[g] + b * kQK),
                         _mm256_sign_epi8(qs, qs));
    }
  }
  for (int g = 0; g < nq; g += 2) {
    const BlockQ8_0* qa = reinterpret_cast<const BlockQ8_0*>(q[g]);
    const BlockQ8_0* qb = reinterpret_cast<const BlockQ8_0*>(q[std::min(g + 1, nq - 1)]);
    for (int b = 0; b < hd / kQK; ++b) {
      const float da = fp16_load(qa[b].d), db = fp16_load(qb[b].d);
      _mm256_store_ps(out.scale[g / 2][b], _mm256_setr_ps(da, da, db, db, da, da, db, db));
    }
  }
}

// Scores of Q8_0 key rows [c0, c1) (at most kScoreRows) against the queries quantized to Q8_0,
// two at a time: per block, each query's |q| against k with q's sign moved onto it (u8 × s8
// products summed into int32 lanes; one sign operation per query and row), then the two queries'
// lanes folded into one vector (query g in lanes 0-1 and 4-5, g + 1 in 2-3 and 6-7) that takes
// the block's scales in one conversion and one fused multiply-add: d_k · (d_q of g, d_q of g + 1)
// applied once per row and block.
void scores_q8_0(const QueriesQ8& q, int nq, const uint8_t* k, size_t stride, int c0, int c1,
                 int hd, float (*weights)[kChunk]) {
  const BlockQ8_0* key[kScoreRows];
  for (int p = 0; p < kScoreRows; ++p)
    key[p] = reinterpret_cast<const BlockQ8_0*>(k + static_cast<size_t>(std::min(c0 + p, c1 - 1)) *
                                                        stride);
  const __m256i ones = _mm256_set1_epi16(1);
  for (int g = 0; g < nq; g += 2) {
    const int g1 = std::min(g + 1, nq - 1);
    __m256 acc[kScoreRows];
    for (int p = 0; p < kScoreRows; ++p) acc[p] = _mm256_setzero_ps();
    for (int b = 0; b < hd / kQK; ++b) {
      const __m256i va = load256(q.qs[g] + b * kQK), vb = load256(q.qs[g1] + b * kQK);
      const __m256i ua = load256(q.abs[g] + b * kQK), ub = load256(q.abs[g1] + b * kQK);
      const __m256 dq = _mm256_load_ps(q.scale[g / 2][b]);
      for (int p = 0; p < kScoreRows; ++p) {
        const __m256i kq = load256(key[p][b].qs);
        const __m256i sa =
            _mm256_madd_epi16(_mm256_maddubs_epi16(ua, _mm256_sign_epi8(kq, va)), ones);
        const __m256i sb =
            _mm256_madd_epi16(_mm256_maddubs_epi16(ub, _mm256_sign_epi8(kq, vb)), ones);
        const __m256i both =
            _mm256_add_epi32(_mm256_unpacklo_epi64(sa, sb), _mm256_unpackhi_epi64(sa, sb));
        const __m256 dk = _mm256_cvtph_ps(_mm_set1_epi16(static_cast<int16_t>(key[p][b].d)));
        acc[p] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(both), _mm256_mul_ps(dk, dq), acc[p]);
      }
    }
    // Row p's query-g sum is lanes 0+1+4+5 of acc[p], query g + 1's lanes 2+3+6+7.
    const __m256 h01 = _mm256_hadd_ps(acc[0], acc[1]);
    const __m256 h23 = _mm256_hadd_ps(acc[2], acc[3]);
    const __m256 sums = _mm256_add_ps(_mm256_permute2f128_ps(h01, h23, 0x20),
                                      _mm256_permute2f128_ps(h01, h23, 0x31));
    const __m256 split = _mm256_permutevar8x32_ps(sums, _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7));
    _mm_storeu_ps(weights[g] + c0, _mm256_castps256_ps128(split));
    if (g + 1 < nq) _mm_storeu_ps(weights[g + 1] + c0, _mm256_extractf128_ps(split, 1));
  }
}

}  // namespace

void attention_group(const KernelTable& table, const AttentionGroup& group) {
  const AttentionRow& args = group.first;
  const int hd = args.head_dim;
  const int nq = group.n_query;
  const AccumulateFn accumulate = args.kv_type == GgmlType::F16    ? accumulate_pair<load_f16>
                                  : args.kv_type == GgmlType::Q8_0 ? accumulate_pair<load_q8_0>
                                  : args.kv_type == GgmlType::Q4_0 ? accumulate_pair<load_q4_0>
                                                                   : nullptr;
  if (hd % kDimBlock != 0 || accumulate == nullptr) {
    scalar::attention_group(table, group);
    return;
  }
  const TypeKernels& kv = table.types[static_cast<int>(args.kv_type)];
  alignas(32) uint8_t q_conv[kMaxAttentionGroup][kMaxQBytes];
  alignas(32) float q_f16[kMaxAttentionGroup][kMaxHeadDim];  // F16 caches: the queries as floats
  const bool f16 = args.kv_type == GgmlType::F16;
  const size_t row_bytes = activation_row_bytes(args.kv_type, hd);
  // Value rows quantized in blocks carry a scale per block, folded into the weights.
  const size_t block_bytes = f16 ? 0 : activation_row_bytes(args.kv_type, kQK);
  alignas(32) float acc[kMaxAttentionGroup][kMaxHeadDim];
  alignas(32) float weights[kMaxAttentionGroup][kChunk];
  alignas(32) float scaled[f16 ? 1 : kMaxAttentionGroup][kMaxBlocks][kChunk];
  float running_max[kMaxAttentionGroup];
  float running_sum[kMaxAttentionGroup];
  for (int g = 0; g < nq; ++g) {
    table.from_float[static_cast<int>(kv.vec_dot_type)](args.q + g * group.q_stride, q_conv[g], hd);
    if (f16) table.types[static_cast<int>(GgmlType::F16)].to_float(q_conv[g], q_f16[g], hd);
    std::fill(acc[g], acc[g] + hd, 0.0f);
    running_max[g] = -std::numeric_limits<float>::infinity();
    running_sum[g] = 0.0f;
  }
  QueriesQ8 q_q8;
  if (args.kv_type == GgmlType::Q8_0) prepare_q8_0(q_conv, nq, hd, q_q8);
  // The lines from the first of n rows to the end of the last: with the engine's head-major cache
  // the rows are back to back, so exactly theirs. A prefetch never faults, so the next chunk's
  // key rows are asked for unconditionally (also past the cache's end): GCC 12 drops a prefetch
  // under a run-time test (docs/kernels.md, "Prefetching").
  const auto prefetch_rows = [&](const uint8_t* first, int n) {
    prefetch_lines(first, static_cast<size_t>(n - 1) * args.kv_stride + row_bytes);
  };
  for (int64_t j0 = 0; j0 < args.n_kv; j0 += kChunk) {
    const int count = static_cast<int>(std::min<int64_t>(kChunk, args.n_kv - j0));
    const uint8_t* k = args.k + j0 * args.kv_stride;
    const uint8_t* v = args.v + j0 * args.kv_stride;
    for (int c0 = 0; c0 < count; c0 += kScoreRows) {
      const int c1 = std::min(count, c0 + kScoreRows);
      // The next chunk's key rows and this chunk's value rows.
      prefetch_rows(k + (c0 + kChunk) * args.kv_stride, c1 - c0);
      prefetch_rows(v + c0 * args.kv_stride, c1 - c0);
      if (f16) {
        scores_f16(q_f16, nq, k, args.kv_stride, c0, c1, hd, weights);
      } else if (args.kv_type == GgmlType::Q8_0) {
        scores_q8_0(q_q8, nq, k, args.kv_stride, c0, c1, hd, weights);
      } else if (kv.gemm != nullptr) {
        // Quantized keys: the register-tiled GEMM of the cache type (bit for bit its vec_dot).
        kv.gemm(hd, k, args.kv_stride, c0, c1, q_conv[0], kMaxQBytes, nq, weights[0], kChunk);
      } else {
        for (int c = c0; c < c1; ++c)
          for (int g = 0; g < nq; ++g)
            weights[g][c] = kv.vec_dot(hd, k + c * args.kv_stride, q_conv[g]);
      }
    }
    for (int g = 0; g < nq; ++g) {
      const float rescale =
          softmax_chunk(weights[g], count, args.scale, running_max[g], running_sum[g]);
      if (rescale != 1.0f) scale_row(acc[g], rescale, hd);
    }
    if (!f16) block_weights(v, args.kv_stride, block_bytes, hd / kQK, count, weights, nq, scaled);
    for (int g = 0; g < nq; g += 2) {
      const bool pair = g + 1 < nq;
      const float* w0 = f16 ? weights[g] : scaled[g][0];
      const float* w1 = !pair ? nullptr : f16 ? weights[g + 1] : scaled[g + 1][0];
      accumulate(acc[g], pair ? acc[g + 1] : nullptr, w0, w1, f16 ? 0 : kChunk, count, v,
                 args.kv_stride, hd);
    }
  }
  for (int g = 0; g < nq; ++g) {
    const float inv = running_sum[g] == 0.0f ? 0.0f : 1.0f / running_sum[g];
    float* out = args.out + g * group.out_stride;
    for (int d = 0; d < hd; ++d) out[d] = acc[g][d] * inv;
  }
}

}  // namespace shoptalk::kernels::x86
