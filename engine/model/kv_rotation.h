// Walsh-Hadamard rotation of a quantized KV cache, as llama.cpp applies it (docs/models.md,
// CPU precision). With a quantized K/V cache type and a head size that is a multiple of 64,
// llama.cpp rotates Q and K (after RoPE and any Q pre-scaling, in blocks of the largest power of
// two >= 64 dividing the head size) and V (in blocks of 64) by the orthonormal Hadamard matrix H
// before K and V are quantized into the cache. Q·K is unchanged, and since H·H = I, multiplying the
// attention output by H (blocks of 64) undoes the V rotation. Spreading a block's outliers over
// all its elements lowers the cache's quantization error.
#pragma once

#include <cstdint>

#include "formats/ggml_type.h"

namespace shoptalk::engine {

class KvRotation {
 public:
  KvRotation() = default;
  // No rotation (n_k() == n_v() == 0) unless cache_type is quantized and head_dim % 64 == 0.
  KvRotation(GgmlType cache_type, int64_t head_dim);

  int n_k() const { return n_k_; }  // block size of the Q/K rotation, 0 = none
  int n_v() const { return n_v_; }  // block size of the V / attention-output rotation, 0 = none

  // x := H·x for each block of n_k() / n_v() of the count floats (a multiple of the block size).
  void rotate_k(float* x, int64_t count) const { rotate(n_k_, x, count); }
  void rotate_v(float* x, int64_t count) const { rotate(n_v_, x, count); }

 private:
  static void rotate(int n, float* x, int64_t count);

  int n_k_ = 0;
  int n_v_ = 0;
};

}  // namespace shoptalk::engine
