// The matmul driver: y[t][r] = W_row_r · x_t, output rows split among the pool's threads.
//
// Activations arrive already converted to the weight's vec_dot_type, so one normed input is
// quantized once and shared by every weight that reads it (Q/K/V, gate/up): see ActivationCache.
// A Weight is row-major or packed (kernels/packed_layout.h); the driver dispatches on it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "formats/ggml_type.h"
#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace shoptalk::kernels {

// A weight matrix of `rows` output rows of `cols` inputs, each row `row_bytes` of blocks: rows
// `row_bytes` apart, or in the packed panel layout of the table's packed_layout.
struct Weight {
  GgmlType type = GgmlType::F32;
  int64_t rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;
  bool packed = false;

  // Row r of a row-major weight.
  const uint8_t* row(int64_t r) const { return data + static_cast<size_t>(r) * row_bytes; }
};

// n_rows activation rows of `cols` elements converted to `type`, and for a prefill batch their
// block sums (KernelTable::act_sums), sums_row_bytes apart.
struct ActivationRows {
  GgmlType type = GgmlType::F32;
  int64_t n_rows = 0;
  int64_t cols = 0;
  const uint8_t* data = nullptr;
  size_t row_bytes = 0;
  const uint8_t* sums = nullptr;
  size_t sums_row_bytes = 0;

  const uint8_t* row(int64_t t) const { return data + static_cast<size_t>(t) * row_bytes; }
};

// Bytes of one row of n elements of an activation or KV-cache row type (F32, F16, BF16, Q8_0, Q8_1,
// Q8_K, Q4_0); 0 for another type.
size_t activation_row_bytes(GgmlType type, int64_t n);
// Bytes of the block sums of one activation row of n elements (Q8_0, Q8_K); 0 for another type.
size_t activation_sums_row_bytes(GgmlType type, int64_t n);
// Bytes of the per-thread scratch a PrefillFn needs for weight rows of at most n elements.
size_t prefill_scratch_bytes(int64_t n);

// Per-thread scratch bytes a matmul of a weight of this type and width may use (the pool's
// ThreadPool::scratch), its prefill kernel's included: what a pool running this table's matmuls
// should give each thread.
size_t matmul_scratch_bytes(const KernelTable& kernels, GgmlType type, int64_t cols);

// y[t * y_stride + r] for t < x.n_rows, r < w.rows. x.type must be w's vec_dot_type and
// x.cols == w.cols; a packed w needs the table's packed_gemm for its type. Batches of
// kPrefillMinTokens rows or more with block sums take the type's prefill kernel when it has one
// and the pool has its scratch.
void matmul(const KernelTable& kernels, ThreadPool& pool, const Weight& w, const ActivationRows& x,
            float* y, int64_t y_stride);

// Float activation rows converted on demand to each type a consumer asks for, at most once per
// type until the input changes; for kPrefillMinTokens rows or more also their block sums, when the
// table has act_sums for the type. The room is reserved once, up front, so converting never
// allocates.
class ActivationCache {
 public:
  // Bytes reserve() allocates for up to n_rows rows of up to `cols` elements in each type.
  static size_t bytes_for(const std::vector<GgmlType>& types, int64_t n_rows, int64_t cols);
  // Makes room for them (one allocation, replacing any earlier one); false when it fails.
  bool reserve(const std::vector<GgmlType>& types, int64_t n_rows, int64_t cols);

  // The float rows every get() converts from (kept alive by the caller until the next reset);
  // n_rows and cols within the reservation.
  void reset(const float* x, int64_t n_rows, int64_t cols);
  // The rows in `type`, one of the reserved types.
  const ActivationRows& get(const KernelTable& kernels, ThreadPool& pool, GgmlType type);

 private:
  struct FreeBytes {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  struct Slot {
    bool valid = false;
    uint8_t* bytes = nullptr;  // into storage_; nullptr: type not reserved
    uint8_t* sums = nullptr;   // into storage_, after the rows
    ActivationRows rows;
  };
  std::unique_ptr<uint8_t[], FreeBytes> storage_;
  const float* x_ = nullptr;
  int64_t n_rows_ = 0;
  int64_t cols_ = 0;
  Slot slots_[kGgmlTypeCount];
};

}  // namespace shoptalk::kernels
