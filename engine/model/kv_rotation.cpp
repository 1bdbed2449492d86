#include "engine/model/kv_rotation.h"

#include <cmath>

#include "formats/quant_table.h"

namespace shoptalk::engine {

KvRotation::KvRotation(GgmlType cache_type, int64_t head_dim) {
  const bool quantized = quant_type_info(cache_type).block_size > 1;
  if (!quantized || head_dim <= 0 || head_dim % 64 != 0) return;
  // K: the largest power of two (>= 64) dividing the head size; V: always 64.
  int n = 64;
  while (head_dim % (2 * n) == 0) n *= 2;
  n_k_ = n;
  n_v_ = 64;
}

// llama.cpp builds the product with H as a matrix multiplication marked as a Hadamard transform,
// which ggml's CPU backend computes as a fast Walsh-Hadamard transform: each block is first
// multiplied by 1/sqrt(n), then butterflies of span 1, 2, ..., n/2 replace (u, v) with
// (u + v, u - v). The same float operations in the same order on every ISA level.
void KvRotation::rotate(int n, float* x, int64_t count) {
  if (n == 0) return;
  const float scale = 1.0f / std::sqrt(static_cast<float>(n));
  for (int64_t b = 0; b + n <= count; b += n) {
    float* a = x + b;
    for (int i = 0; i < n; ++i) a[i] *= scale;
    for (int span = 1; span < n; span *= 2)
      for (int i = 0; i < n; i += 2 * span)
        for (int j = i; j < i + span; ++j) {
          const float u = a[j];
          const float v = a[j + span];
          a[j] = u + v;
          a[j + span] = u - v;
        }
  }
}

}  // namespace shoptalk::engine
