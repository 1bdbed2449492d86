#include "kernels/matmul.h"

#include <algorithm>

#include "formats/blocks.h"
#include "formats/quant_table.h"
#include "kernels/packed_layout.h"

namespace shoptalk::kernels {

namespace {
constexpr int64_t kGemmRowUnit = 8;
// Threads then always start on a panel boundary.
static_assert(kGemmRowUnit % kPanelRows == 0);
// Multiply-adds below which a thread is not worth waking (a hand-off costs microseconds).
constexpr int64_t kMinMacsPerThread = 1 << 16;

// Row-group units of the split among threads, and the rows [r0, r1) of units [begin, end).
int64_t row_units(int64_t rows) {
  return (rows + kGemmRowUnit - 1) / kGemmRowUnit;
}
int64_t unit_row(int64_t unit, int64_t rows) {
  return unit * kGemmRowUnit < rows ? unit * kGemmRowUnit : rows;
}

// Each activation slot starts on a cache line.
constexpr size_t kSlotAlignment = 64;
size_t aligned(size_t bytes) {
  return (bytes + kSlotAlignment - 1) / kSlotAlignment * kSlotAlignment;
}

// An activation slot: n_rows rows of `type`, then, for a batch a prefill kernel may take, their
// block sums (reserved whether or not the table has act_sums for the type: a few % of the rows).
size_t slot_bytes(GgmlType type, int64_t n_rows, int64_t cols) {
  const size_t sums = n_rows >= kPrefillMinTokens ? activation_sums_row_bytes(type, cols) : 0;
  return aligned(activation_row_bytes(type, cols) * static_cast<size_t>(n_rows)) +
         aligned(sums * static_cast<size_t>(n_rows));
}

// The grain for parallel_for over units of `macs_per_unit` multiply-adds each.
int64_t grain_for(int64_t macs_per_unit) {
  return std::max<int64_t>(1, kMinMacsPerThread / std::max<int64_t>(1, macs_per_unit));
}
}  // namespace

size_t activation_row_bytes(GgmlType type, int64_t n) {
  const size_t count = static_cast<size_t>(n);
  switch (type) {
    case GgmlType::F32:
      return count * sizeof(float);
    case GgmlType::F16:
    case GgmlType::BF16:
      return count * sizeof(uint16_t);
    case GgmlType::Q8_0:
      return count / kQK * sizeof(BlockQ8_0);
    case GgmlType::Q8_1:
      return count / kQK * sizeof(BlockQ8_1);
    case GgmlType::Q8_K:
      return count / kQK_K * sizeof(BlockQ8_K);
    case GgmlType::Q4_0:
      return count / kQK * sizeof(BlockQ4_0);
    default:
      return 0;
  }
}

size_t activation_sums_row_bytes(GgmlType type, int64_t n) {
  const size_t count = static_cast<size_t>(n);
  switch (type) {
    case GgmlType::Q8_0:
      return count / kQK * sizeof(ActSumsQ8_0);
    case GgmlType::Q8_K:
      return count / kQK_K * sizeof(ActSumsQ8_K);
    default:
      return 0;
  }
}

size_t prefill_scratch_bytes(int64_t n) {
  return static_cast<size_t>(kPrefillPanelRows * n) * kPrefillScratchBytesPerWeight;
}

size_t matmul_scratch_bytes(const KernelTable& kernels, GgmlType type, int64_t cols) {
  const TypeKernels& tk = kernels.types[static_cast<int>(type)];
  const int block = quant_type_info(type).block_size;
  const size_t gemm = block > 0 ? tk.gemm_scratch_per_block * static_cast<size_t>(cols / block) : 0;
  return std::max(gemm, tk.prefill ? prefill_scratch_bytes(cols) : size_t{0});
}

void matmul(const KernelTable& kernels, ThreadPool& pool, const Weight& w, const ActivationRows& x,
            float* y, int64_t y_stride) {
  const TypeKernels& tk = kernels.types[static_cast<int>(w.type)];
  const size_t prefill_scratch = prefill_scratch_bytes(w.cols);
  if (tk.prefill && x.sums && x.n_rows >= kPrefillMinTokens &&
      pool.scratch_bytes() >= prefill_scratch) {
    const PrefillOperands op{w.cols,      w.data, w.row_bytes,      w.rows,   w.packed, x.data,
                             x.row_bytes, x.sums, x.sums_row_bytes, x.n_rows, y,        y_stride};
    pool.parallel_for(
        row_units(w.rows),
        [&](int64_t begin, int64_t end) {
          tk.prefill(op, unit_row(begin, w.rows), unit_row(end, w.rows),
                     ThreadPool::scratch(prefill_scratch));
        },
        grain_for(kGemmRowUnit * w.cols * x.n_rows));
    return;
  }
  // Threads get whole groups of rows so the kernel's multi-row tiles are rarely cut short.
  if (w.packed || tk.gemm) {
    pool.parallel_for(
        row_units(w.rows),
        [&](int64_t begin, int64_t end) {
          const int64_t r0 = unit_row(begin, w.rows);
          const int64_t r1 = unit_row(end, w.rows);
          if (w.packed) {
            tk.packed_gemm(w.cols, w.data, w.rows, r0, r1, x.data, x.row_bytes, x.n_rows, y,
                           y_stride);
          } else {
            tk.gemm(w.cols, w.data, w.row_bytes, r0, r1, x.data, x.row_bytes, x.n_rows, y,
                    y_stride);
          }
        },
        grain_for(kGemmRowUnit * w.cols * x.n_rows));
    return;
  }
  const VecDotFn vec_dot = tk.vec_dot;
  pool.parallel_for(
      w.rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) {
          const uint8_t* w_row = w.row(r);
          for (int64_t t = 0; t < x.n_rows; ++t)
            y[t * y_stride + r] = vec_dot(w.cols, w_row, x.row(t));
        }
      },
      grain_for(w.cols * x.n_rows));
}

size_t ActivationCache::bytes_for(const std::vector<GgmlType>& types, int64_t n_rows,
                                  int64_t cols) {
  size_t bytes = 0;
  for (GgmlType type : types) bytes += slot_bytes(type, n_rows, cols);
  return bytes;
}

bool ActivationCache::reserve(const std::vector<GgmlType>& types, int64_t n_rows, int64_t cols) {
  for (Slot& slot : slots_) slot = Slot{};
  storage_.reset();
  const size_t bytes = bytes_for(types, n_rows, cols);
  if (bytes == 0) return true;
  storage_.reset(static_cast<uint8_t*>(std::aligned_alloc(kSlotAlignment, bytes)));
  if (!storage_) return false;
  size_t offset = 0;
  for (GgmlType type : types) {
    Slot& slot = slots_[static_cast<int>(type)];
    if (slot.bytes) continue;
    slot.bytes = storage_.get() + offset;
    slot.sums =
        slot.bytes + aligned(activation_row_bytes(type, cols) * static_cast<size_t>(n_rows));
    offset += slot_bytes(type, n_rows, cols);
  }
  return true;
}

void ActivationCache::reset(const float* x, int64_t n_rows, int64_t cols) {
  x_ = x;
  n_rows_ = n_rows;
  cols_ = cols;
  for (Slot& slot : slots_) slot.valid = false;
}

const ActivationRows& ActivationCache::get(const KernelTable& kernels, ThreadPool& pool,
                                           GgmlType type) {
  Slot& slot = slots_[static_cast<int>(type)];
  if (slot.valid) return slot.rows;
  const size_t row_bytes = activation_row_bytes(type, cols_);
  const FromFloatFn convert = kernels.from_float[static_cast<int>(type)];
  const ActSumsFn sums =
      n_rows_ >= kPrefillMinTokens ? kernels.act_sums[static_cast<int>(type)] : nullptr;
  const size_t sums_row_bytes = sums ? activation_sums_row_bytes(type, cols_) : 0;
  uint8_t* dst = slot.bytes;
  uint8_t* sums_dst = slot.sums;
  const float* src = x_;
  const int64_t cols = cols_;
  pool.parallel_for(
      n_rows_,
      [&](int64_t begin, int64_t end) {
        for (int64_t t = begin; t < end; ++t) {
          uint8_t* row = dst + static_cast<size_t>(t) * row_bytes;
          convert(src + t * cols, row, cols);
          if (sums) sums(row, sums_dst + static_cast<size_t>(t) * sums_row_bytes, cols);
        }
      },
      grain_for(cols));
  slot.rows = ActivationRows{
      type, n_rows_, cols_, slot.bytes, row_bytes, sums ? sums_dst : nullptr, sums_row_bytes};
  slot.valid = true;
  return slot.rows;
}

}  // namespace shoptalk::kernels
