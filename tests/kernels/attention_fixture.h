// A KV cache of random rows for the attention tests of every ISA: two KV heads per position, the
// second one read, so the stride matters.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "formats/quant_table.h"
#include "kernels/kernels.h"
#include "test_support.h"

namespace shoptalk::test {

struct KvFixture {
  KvFixture(GgmlType type, int head_dim, int64_t n_kv)
      : type(type),
        head_dim(head_dim),
        n_kv(n_kv),
        head_bytes(row_size(quant_type_info(type), head_dim)),
        k(2 * head_bytes * static_cast<size_t>(n_kv)),
        v(2 * head_bytes * static_cast<size_t>(n_kv)),
        scratch(kernels::attention_tile_scratch_bytes(head_dim) / sizeof(float)) {
    for (int64_t j = 0; j < n_kv; ++j) {
      for (int part = 0; part < 2; ++part) {
        const auto seed = static_cast<uint32_t>(j * 2 + part);
        const std::vector<float> kr = random_floats(static_cast<size_t>(head_dim), seed, 2.0f);
        const std::vector<float> vr = random_floats(static_cast<size_t>(head_dim), seed + 999);
        const size_t off = (static_cast<size_t>(j) * 2 + static_cast<size_t>(part)) * head_bytes;
        quant_type_info(type).quantize_row(kr.data(), k.data() + off, head_dim);
        quant_type_info(type).quantize_row(vr.data(), v.data() + off, head_dim);
      }
    }
  }

  kernels::AttentionRow row(const float* q, float* out) const {
    kernels::AttentionRow r;
    r.q = q;
    r.k = k.data() + head_bytes;
    r.v = v.data() + head_bytes;
    r.kv_stride = 2 * head_bytes;
    r.n_kv = n_kv;
    r.head_dim = head_dim;
    r.kv_type = type;
    r.scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
    r.out = out;
    return r;
  }

  // n_tok tokens of n_query heads each (q and out token-major, heads adjacent) whose first token
  // sees positions 0 .. n_kv0 - 1 (n_kv0 + n_tok - 1 <= n_kv).
  kernels::AttentionTile tile(const float* q, float* out, int n_query, int n_tok,
                              int64_t n_kv0) const {
    kernels::AttentionTile t;
    t.first = row(q, out);
    t.first.n_kv = n_kv0;
    t.n_query = n_query;
    t.n_tok = n_tok;
    t.q_tok_stride = static_cast<int64_t>(n_query) * head_dim;
    t.out_tok_stride = t.q_tok_stride;
    t.scratch = scratch.data();
    return t;
  }

  GgmlType type;
  int head_dim;
  int64_t n_kv;
  size_t head_bytes;
  std::vector<uint8_t> k, v;
  mutable std::vector<float> scratch;  // the tiles' (one call at a time)
};

}  // namespace shoptalk::test
