// The tiling driver shared by the AVX2 integer GEMM kernels. A kernel K computes a register tile
// of R weight rows × T activation rows (K::tile<R, T>, given where each row's blocks are and how
// far ahead to prefetch); every (row, token) pair runs the same instruction sequence in every tile
// shape and weight layout, so a GEMM result equals the 1×1 vec_dot bit for bit. Tokens are walked
// in blocks whose activations stay in L2 while the rows stream past.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "kernels/kernels.h"
#include "kernels/packed_layout.h"
#include "kernels/thread_pool.h"

namespace shoptalk::kernels::x86 {
namespace {

// Bytes of activation rows kept hot in L2 while the weight rows of one thread stream past.
constexpr size_t kActivationBlockBytes = 192 * 1024;
// How far ahead of a packed GEMV the prefetches run: DRAM latency × one core's share of the bus
// is a few KB in flight; the hardware prefetchers alone leave the stream at about 60 % of it.
constexpr size_t kPanelPrefetchBytes = 2048;

// Prefetches the cache lines of one weight block `ahead` bytes further. Tiles call it only when
// they decode (T == 1, a compile-time test): GCC 12 deletes a prefetch guarded by a run-time test
// such as `ahead != 0`, which silently left every GEMV without prefetches.
inline void prefetch_block(const uint8_t* blk, size_t bytes, size_t ahead) {
  for (size_t off = 0; off < bytes; off += 64)
    _mm_prefetch(reinterpret_cast<const char*>(blk + ahead + off), _MM_HINT_T0);
}

// Where the blocks of a run of weight rows are: block b of row r at
// base + (r - first_row) * row_step + b * block_step. Row-major rows are row_bytes apart with
// consecutive blocks; the rows of a packed panel are one block apart, a panel's width of blocks
// between a row's consecutive blocks.
struct RowBlocks {
  const uint8_t* base;
  int64_t first_row;
  size_t row_step;
  size_t block_step;
  bool packed;

  const uint8_t* row(int64_t r) const {
    return base + static_cast<size_t>(r - first_row) * row_step;
  }
  // Decode streams the weights once: row-major prefetches the next row group's bytes of the same
  // blocks, packed the panel's stream kPanelPrefetchBytes further.
  size_t gemv_ahead(int rows) const {
    return packed ? kPanelPrefetchBytes : static_cast<size_t>(rows) * row_step;
  }
};

template <class K, int R, int T>
void run_tile(int64_t nb, const RowBlocks& w, int64_t r, const uint8_t* x, size_t x_row_bytes,
              int64_t t, float* y, int64_t y_stride) {
  const uint8_t* w_rows[R];
  const uint8_t* x_rows[T];
  for (int i = 0; i < R; ++i) w_rows[i] = w.row(r + i);
  for (int j = 0; j < T; ++j) x_rows[j] = x + static_cast<size_t>(t + j) * x_row_bytes;
  float out[R][T];
  const size_t ahead = T == 1 ? w.gemv_ahead(R) : 0;
  K::template tile<R, T>(nb, w_rows, w.block_step, x_rows, ahead, out);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < T; ++j) y[(t + j) * y_stride + r + i] = out[i][j];
}

// Rows [r0, r1) × tokens [t0, t1) with R×T tiles and 1-wide tails.
template <class K, int R, int T>
void run_rows(int64_t nb, const RowBlocks& w, int64_t r0, int64_t r1, const uint8_t* x,
              size_t x_row_bytes, int64_t t0, int64_t t1, float* y, int64_t y_stride) {
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    int64_t t = t0;
    for (; t + T <= t1; t += T) run_tile<K, R, T>(nb, w, r, x, x_row_bytes, t, y, y_stride);
    for (; t < t1; ++t) run_tile<K, R, 1>(nb, w, r, x, x_row_bytes, t, y, y_stride);
  }
  for (; r < r1; ++r) {
    int64_t t = t0;
    for (; t + T <= t1; t += T) run_tile<K, 1, T>(nb, w, r, x, x_row_bytes, t, y, y_stride);
    for (; t < t1; ++t) run_tile<K, 1, 1>(nb, w, r, x, x_row_bytes, t, y, y_stride);
  }
}

// Kernels whose weight blocks are worth unpacking once per activation block name the kernel over
// the unpacked form (K::Decoded) and provide K::decode(block, out).
template <class K, class = void>
struct HasDecoded : std::false_type {};
template <class K>
struct HasDecoded<K, std::void_t<typename K::Decoded>> : std::true_type {};

// Prefill over decoded rows: each group of R rows is unpacked into the thread's scratch once, then
// every R×T token tile runs over the unpacked blocks (same operations, so same results).
template <class K, int R, int T>
void run_rows_decoded(int64_t nb, const RowBlocks& w, int64_t r0, int64_t r1, const uint8_t* x,
                      size_t x_row_bytes, int64_t t0, int64_t t1, float* y, int64_t y_stride,
                      uint8_t* scratch) {
  using D = typename K::Decoded;
  const size_t row_bytes = static_cast<size_t>(nb) * D::kBlockBytes;
  for (int64_t r = r0; r < r1; r += R) {
    const int64_t rows = r1 - r < R ? r1 - r : R;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t b = 0; b < nb; ++b)
        K::decode(w.row(r + i) + static_cast<size_t>(b) * w.block_step,
                  scratch + static_cast<size_t>(i) * row_bytes + b * D::kBlockBytes);
    const RowBlocks decoded{scratch, r, row_bytes, D::kBlockBytes, false};
    run_rows<D, R, T>(nb, decoded, r, r + rows, x, x_row_bytes, t0, t1, y, y_stride);
  }
}

// The per-thread scratch run_rows_decoded needs per weight block of a row (0: K decodes nothing).
template <class K>
constexpr size_t decoded_scratch_per_block() {
  if constexpr (HasDecoded<K>::value) {
    return static_cast<size_t>(K::kRows) * K::Decoded::kBlockBytes;
  } else {
    return 0;
  }
}

// Rows [r0, r1) × every token: K::kGemvRows rows at a time for fewer than K::kToks tokens
// (decode), K::kRows × K::kToks tiles otherwise (prefill). for_each_run(r0, r1, f) calls
// f(RowBlocks, ra, rb) for consecutive runs of rows sharing one addressing.
template <class K, class ForEachRun>
void gemm_runs(int64_t nb, ForEachRun for_each_run, int64_t r0, int64_t r1, const uint8_t* x,
               size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  if (n_tok < K::kToks) {
    for_each_run(r0, r1, [&](const RowBlocks& w, int64_t ra, int64_t rb) {
      run_rows<K, K::kGemvRows, 1>(nb, w, ra, rb, x, x_row_bytes, 0, n_tok, y, y_stride);
    });
    return;
  }
  int64_t block = static_cast<int64_t>(kActivationBlockBytes / x_row_bytes);
  block = block < K::kToks ? K::kToks : block - block % K::kToks;
  for (int64_t t0 = 0; t0 < n_tok; t0 += block) {
    const int64_t t1 = t0 + block < n_tok ? t0 + block : n_tok;
    for_each_run(r0, r1, [&](const RowBlocks& w, int64_t ra, int64_t rb) {
      if constexpr (HasDecoded<K>::value) {
        uint8_t* scratch =
            ThreadPool::scratch(decoded_scratch_per_block<K>() * static_cast<size_t>(nb));
        if (scratch) {
          run_rows_decoded<K, K::kRows, K::kToks>(nb, w, ra, rb, x, x_row_bytes, t0, t1, y,
                                                  y_stride, scratch);
          return;
        }
      }
      run_rows<K, K::kRows, K::kToks>(nb, w, ra, rb, x, x_row_bytes, t0, t1, y, y_stride);
    });
  }
}

// The GemmFn of kernel K over row-major weights.
template <class K>
void gemm(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1, const uint8_t* x,
          size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  const RowBlocks rows{w, 0, w_row_bytes, K::kBlockBytes, false};
  const auto one_run = [&](int64_t ra, int64_t rb, const auto& f) { f(rows, ra, rb); };
  gemm_runs<K>(n / K::kBlock, one_run, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

// The PackedGemmFn of kernel K: each panel is a run of rows with its own block step.
template <class K>
void gemm_packed(int64_t n, const uint8_t* w, int64_t rows, int64_t r0, int64_t r1,
                 const uint8_t* x, size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  const int64_t nb = n / K::kBlock;
  const size_t row_bytes = static_cast<size_t>(nb) * K::kBlockBytes;
  const auto panels = [&](int64_t ra, int64_t rb, const auto& f) {
    for (int64_t p0 = ra - ra % kPanelRows; p0 < rb; p0 += kPanelRows) {
      const int64_t p1 = p0 + kPanelRows < rows ? p0 + kPanelRows : rows;
      const RowBlocks panel{w + static_cast<size_t>(p0) * row_bytes, p0, K::kBlockBytes,
                            static_cast<size_t>(p1 - p0) * K::kBlockBytes, true};
      f(panel, p0 > ra ? p0 : ra, p1 < rb ? p1 : rb);
    }
  };
  gemm_runs<K>(nb, panels, r0, r1, x, x_row_bytes, n_tok, y, y_stride);
}

// The VecDotFn of kernel K: its 1×1 tile.
template <class K>
float vec_dot(int64_t n, const void* w, const void* a) {
  const uint8_t* w_rows[1] = {static_cast<const uint8_t*>(w)};
  const uint8_t* x_rows[1] = {static_cast<const uint8_t*>(a)};
  float out[1][1];
  K::template tile<1, 1>(n / K::kBlock, w_rows, K::kBlockBytes, x_rows, 0, out);
  return out[0][0];
}

// Sets the table entries of a weight type to kernel K: vec_dot, GEMM and, for the types the
// x86.panel4 layout holds, the packed GEMM.
template <class K>
void set_type(KernelTable& table, GgmlType type, bool packed) {
  TypeKernels& entry = table.types[static_cast<int>(type)];
  entry.vec_dot = vec_dot<K>;
  entry.gemm = gemm<K>;
  entry.gemm_scratch_per_block = decoded_scratch_per_block<K>();
  if (packed) entry.packed_gemm = gemm_packed<K>;
}

}  // namespace
}  // namespace shoptalk::kernels::x86
