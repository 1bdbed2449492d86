// A session's KV cache: per layer, K and V rows of head_dim elements for each KV head and position,
// stored in the cache type (F16 by default, Q8_0 or Q4_0 to save memory; F32/BF16 also work).
//
// Head-major: a head's rows for consecutive positions are adjacent, so attention over one head
// streams two contiguous runs (K and V) instead of picking a few hundred bytes out of every
// position's row of all heads (one layer's decode attention at depth 4096: docs/kernels.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>

#include "engine/model/hparams.h"
#include "engine/model/kv_rotation.h"
#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

class KvCache {
 public:
  // Checks that the type can serve as a cache for these hyper-parameters (no allocation).
  static Status check_type(const kernels::KernelTable& kernels, const HParams& hp, GgmlType type);
  // Bytes a cache of n_ctx positions occupies.
  static size_t bytes_for(const HParams& hp, uint32_t n_ctx, GgmlType type);
  static Result<KvCache> create(const kernels::KernelTable& kernels, const HParams& hp,
                                uint32_t n_ctx, GgmlType type);

  GgmlType type() const { return type_; }
  // The Hadamard rotation that goes with this cache type (none for F16/F32).
  const KvRotation& rotation() const { return rotation_; }
  uint32_t n_ctx() const { return n_ctx_; }
  size_t bytes() const { return bytes_; }
  // Bytes of one position's row of all KV heads, and of one head.
  size_t row_bytes() const { return row_bytes_; }
  size_t head_bytes() const { return head_bytes_; }

  // The rows of one KV head at positions 0, 1, ... (head_bytes() apart).
  uint8_t* k_head(uint32_t layer, int64_t head) { return rows(0, layer, head); }
  uint8_t* v_head(uint32_t layer, int64_t head) { return rows(1, layer, head); }
  const uint8_t* k_head(uint32_t layer, int64_t head) const { return rows(0, layer, head); }
  const uint8_t* v_head(uint32_t layer, int64_t head) const { return rows(1, layer, head); }

  // Converts one position's K and V (n_embd_kv floats each) into the cache's type.
  void store(uint32_t layer, int64_t pos, const float* k, const float* v);

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint8_t* rows(int which, uint32_t layer, int64_t head) const {
    const size_t index = (static_cast<size_t>(layer) * 2 + static_cast<size_t>(which)) *
                             static_cast<size_t>(n_head_kv_) +
                         static_cast<size_t>(head);
    return data_.get() + index * n_ctx_ * head_bytes_;
  }

  std::unique_ptr<uint8_t, FreeDeleter> data_;
  GgmlType type_ = GgmlType::F16;
  KvRotation rotation_;
  uint32_t n_ctx_ = 0;
  int64_t n_head_kv_ = 0;
  int64_t head_dim_ = 0;
  size_t row_bytes_ = 0;
  size_t head_bytes_ = 0;
  size_t bytes_ = 0;
  kernels::FromFloatFn convert_ = nullptr;
};

}  // namespace shoptalk::engine
