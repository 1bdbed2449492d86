// A session's KV cache: per layer, K and V rows of n_head_kv·head_dim elements for each position,
// stored in the cache type (F16 by default, Q8_0 or Q4_0 to save memory; F32/BF16 also work).
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
  // Bytes of one position's row (all KV heads) and of one head within it.
  size_t row_bytes() const { return row_bytes_; }
  size_t head_bytes() const { return head_bytes_; }

  uint8_t* k_row(uint32_t layer, int64_t pos) { return row(0, layer, pos); }
  uint8_t* v_row(uint32_t layer, int64_t pos) { return row(1, layer, pos); }
  const uint8_t* k_row(uint32_t layer, int64_t pos) const { return row(0, layer, pos); }
  const uint8_t* v_row(uint32_t layer, int64_t pos) const { return row(1, layer, pos); }

  // Converts n_embd_kv floats into the cache's type at the given row.
  void store(const float* x, uint8_t* dst) const;

 private:
  struct FreeDeleter {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  uint8_t* row(int which, uint32_t layer, int64_t pos) const {
    const size_t index = (static_cast<size_t>(layer) * 2 + static_cast<size_t>(which)) * n_ctx_ +
                         static_cast<size_t>(pos);
    return data_.get() + index * row_bytes_;
  }

  std::unique_ptr<uint8_t, FreeDeleter> data_;
  GgmlType type_ = GgmlType::F16;
  KvRotation rotation_;
  uint32_t n_ctx_ = 0;
  int64_t row_elements_ = 0;
  size_t row_bytes_ = 0;
  size_t head_bytes_ = 0;
  size_t bytes_ = 0;
  kernels::FromFloatFn convert_ = nullptr;
};

}  // namespace shoptalk::engine
