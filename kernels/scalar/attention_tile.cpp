// The tiled prefill attention, one query row at a time: the formulation every SIMD version
// (kernels/simd/attention_tile.h) reproduces bit for bit. Per row: Q times the softmax scale, then
// key blocks of kAttentionTileKeys positions from position 0 up to the row's causal limit; per
// block each score is a chain of fused multiply-adds over the dimensions in order, the block's
// maximum updates the running one, the running sum and the value accumulator are scaled by
// e^(old max - new max) and then take each position's weight e^(score - new max) in position
// order (value accumulator: one fused multiply-add per dimension). The output is the accumulator
// times 1/sum.
#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/attention_exp.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

void attention_tile(const KernelTable& table, const AttentionTile& tile) {
  const AttentionRow& args = tile.first;
  const int hd = args.head_dim;
  const ToFloatFn to_float = table.types[static_cast<int>(args.kv_type)].to_float;
  float q[kMaxHeadDim];
  float o[kMaxHeadDim];
  float row[kMaxHeadDim];
  float scores[kAttentionTileKeys];
  for (int t = 0; t < tile.n_tok; ++t) {
    for (int g = 0; g < tile.n_query; ++g) {
      const float* q_in = args.q + t * tile.q_tok_stride + g * hd;
      for (int d = 0; d < hd; ++d) {
        q[d] = q_in[d] * args.scale;
        o[d] = 0.0f;
      }
      const int64_t n_kv = args.n_kv + t;
      float running_max = -std::numeric_limits<float>::infinity();
      float running_sum = 0.0f;
      for (int64_t j0 = 0; j0 < n_kv; j0 += kAttentionTileKeys) {
        const int count = static_cast<int>(std::min<int64_t>(kAttentionTileKeys, n_kv - j0));
        float block_max = -std::numeric_limits<float>::infinity();
        for (int c = 0; c < count; ++c) {
          to_float(args.k + (j0 + c) * args.kv_stride, row, hd);
          float s = 0.0f;
          for (int d = 0; d < hd; ++d) s = std::fma(q[d], row[d], s);
          scores[c] = s;
          block_max = std::max(block_max, s);
        }
        const float new_max = std::max(running_max, block_max);
        const float rescale = attention_exp::exp(running_max - new_max);
        running_max = new_max;
        running_sum *= rescale;
        for (int d = 0; d < hd; ++d) o[d] *= rescale;
        for (int c = 0; c < count; ++c) {
          const float p = attention_exp::exp(scores[c] - new_max);
          running_sum += p;
          to_float(args.v + (j0 + c) * args.kv_stride, row, hd);
          for (int d = 0; d < hd; ++d) o[d] = std::fma(p, row[d], o[d]);
        }
      }
      const float inv = 1.0f / running_sum;
      float* out = args.out + t * tile.out_tok_stride + g * hd;
      for (int d = 0; d < hd; ++d) out[d] = o[d] * inv;
    }
  }
}

}  // namespace shoptalk::kernels::scalar
