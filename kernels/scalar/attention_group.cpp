// A GQA group of query rows against the KV cache, chunk by chunk: every query's scores for the
// chunk's positions (Q converted to the K type's dot-product type, as in the one-row path), one
// online-softmax rescale per query and chunk, then each value row converted once and added to
// every query's float accumulator.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

namespace {
constexpr int kMaxQBytes = kMaxHeadDim * 2;
}  // namespace

float softmax_chunk(float* scores, int count, float& running_max, float& running_sum) {
  const float chunk_max = *std::max_element(scores, scores + count);
  const float new_max = std::max(running_max, chunk_max);
  const float rescale = std::exp(running_max - new_max);
  float chunk_sum = 0.0f;
  for (int c = 0; c < count; ++c) {
    scores[c] = std::exp(scores[c] - new_max);
    chunk_sum += scores[c];
  }
  running_max = new_max;
  running_sum = running_sum * rescale + chunk_sum;
  return rescale;
}

void attention_group(const KernelTable& table, const AttentionGroup& group) {
  const AttentionRow& args = group.first;
  const int hd = args.head_dim;
  const int nq = group.n_query;
  const TypeKernels& kv = table.types[static_cast<int>(args.kv_type)];
  alignas(16) uint8_t q_conv[kMaxAttentionGroup][kMaxQBytes];
  float acc[kMaxAttentionGroup][kMaxHeadDim];
  float weights[kMaxAttentionGroup][kAttentionChunk];
  float running_max[kMaxAttentionGroup];
  float running_sum[kMaxAttentionGroup];
  float v_row[kMaxHeadDim];
  for (int g = 0; g < nq; ++g) {
    table.from_float[static_cast<int>(kv.vec_dot_type)](args.q + g * group.q_stride, q_conv[g], hd);
    std::fill(acc[g], acc[g] + hd, 0.0f);
    running_max[g] = -std::numeric_limits<float>::infinity();
    running_sum[g] = 0.0f;
  }
  for (int64_t j0 = 0; j0 < args.n_kv; j0 += kAttentionChunk) {
    const int count = static_cast<int>(std::min<int64_t>(kAttentionChunk, args.n_kv - j0));
    for (int g = 0; g < nq; ++g) {
      for (int c = 0; c < count; ++c)
        weights[g][c] = kv.vec_dot(hd, args.k + (j0 + c) * args.kv_stride, q_conv[g]) * args.scale;
      const float rescale = softmax_chunk(weights[g], count, running_max[g], running_sum[g]);
      for (int d = 0; d < hd; ++d) acc[g][d] *= rescale;
    }
    for (int c = 0; c < count; ++c) {
      kv.to_float(args.v + (j0 + c) * args.kv_stride, v_row, hd);
      for (int g = 0; g < nq; ++g)
        for (int d = 0; d < hd; ++d) acc[g][d] += weights[g][c] * v_row[d];
    }
  }
  for (int g = 0; g < nq; ++g) {
    const float inv = running_sum[g] == 0.0f ? 0.0f : 1.0f / running_sum[g];
    for (int d = 0; d < hd; ++d) args.out[g * group.out_stride + d] = acc[g][d] * inv;
  }
}

}  // namespace shoptalk::kernels::scalar
