// The tiling driver of the ARM integer GEMM kernels. A kernel K computes a register tile of
// R weight rows × T activation rows (K::tile<R, T>); every tile shape computes each (row, token)
// pair with exact integer sums per block and the same float operations in the same order, so a
// GEMM result equals the 1×1 vec_dot bit for bit and does not depend on the split into threads.
// Tokens are walked in blocks whose activations stay in L2 while the weight rows stream past.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::arm {
namespace {

// Bytes of activation rows kept hot while the weight rows of one thread stream past (the L2 of a
// Cortex-A53/A72 cluster is 512 KiB-1 MiB, shared by its cores).
constexpr size_t kActivationBlockBytes = 128 * 1024;

template <class K, int R, int T>
void run_tile(int64_t nb, const uint8_t* w, size_t w_row_bytes, int64_t r, const uint8_t* x,
              size_t x_row_bytes, int64_t t, float* y, int64_t y_stride) {
  const uint8_t* w_rows[R];
  const uint8_t* x_rows[T];
  for (int i = 0; i < R; ++i) w_rows[i] = w + static_cast<size_t>(r + i) * w_row_bytes;
  for (int j = 0; j < T; ++j) x_rows[j] = x + static_cast<size_t>(t + j) * x_row_bytes;
  float out[R][T];
  K::template tile<R, T>(nb, w_rows, x_rows, out);
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < T; ++j) y[(t + j) * y_stride + r + i] = out[i][j];
}

// Rows [r0, r1) × tokens [t0, t1) with R×T tiles and 1-wide tails.
template <class K, int R, int T>
void run_rows(int64_t nb, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1,
              const uint8_t* x, size_t x_row_bytes, int64_t t0, int64_t t1, float* y,
              int64_t y_stride) {
  int64_t r = r0;
  for (; r + R <= r1; r += R) {
    int64_t t = t0;
    for (; t + T <= t1; t += T)
      run_tile<K, R, T>(nb, w, w_row_bytes, r, x, x_row_bytes, t, y, y_stride);
    for (; t < t1; ++t) run_tile<K, R, 1>(nb, w, w_row_bytes, r, x, x_row_bytes, t, y, y_stride);
  }
  for (; r < r1; ++r) {
    int64_t t = t0;
    for (; t + T <= t1; t += T)
      run_tile<K, 1, T>(nb, w, w_row_bytes, r, x, x_row_bytes, t, y, y_stride);
    for (; t < t1; ++t) run_tile<K, 1, 1>(nb, w, w_row_bytes, r, x, x_row_bytes, t, y, y_stride);
  }
}

// The GemmFn of kernel K: K::kGemvRows rows at a time for fewer than K::kToks tokens (decode),
// K::kRows × K::kToks tiles otherwise (prefill).
template <class K>
void gemm(int64_t n, const uint8_t* w, size_t w_row_bytes, int64_t r0, int64_t r1, const uint8_t* x,
          size_t x_row_bytes, int64_t n_tok, float* y, int64_t y_stride) {
  const int64_t nb = n / K::kBlock;
  if (n_tok < K::kToks) {
    run_rows<K, K::kGemvRows, 1>(nb, w, w_row_bytes, r0, r1, x, x_row_bytes, 0, n_tok, y, y_stride);
    return;
  }
  int64_t block = static_cast<int64_t>(kActivationBlockBytes / x_row_bytes);
  block = block < K::kToks ? K::kToks : block - block % K::kToks;
  for (int64_t t0 = 0; t0 < n_tok; t0 += block) {
    const int64_t t1 = t0 + block < n_tok ? t0 + block : n_tok;
    run_rows<K, K::kRows, K::kToks>(nb, w, w_row_bytes, r0, r1, x, x_row_bytes, t0, t1, y,
                                    y_stride);
  }
}

// The VecDotFn of kernel K: its 1×1 tile.
template <class K>
float vec_dot(int64_t n, const void* w, const void* a) {
  const uint8_t* w_rows[1] = {static_cast<const uint8_t*>(w)};
  const uint8_t* x_rows[1] = {static_cast<const uint8_t*>(a)};
  float out[1][1];
  K::template tile<1, 1>(n / K::kBlock, w_rows, x_rows, out);
  return out[0][0];
}

// Sets the vec_dot and GEMM entries of a weight type to kernel K's.
template <class K>
void set_type(KernelTable& table, GgmlType type) {
  table.types[static_cast<int>(type)].vec_dot = vec_dot<K>;
  table.types[static_cast<int>(type)].gemm = gemm<K>;
}

// A kernel whose even×even tiles run Pair (two weight rows × two tokens per instruction, i8mm) and
// whose other tiles, vec_dot among them, run Single; both give the same result per pair.
template <class Single, class Pair>
struct PairedKernel {
  static constexpr int kBlock = Single::kBlock;
  static constexpr int kGemvRows = Single::kGemvRows;
  static constexpr int kRows = 4;
  static constexpr int kToks = 4;

  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x, float (*out)[T]) {
    if constexpr (R % 2 == 0 && T % 2 == 0) {
      Pair::template tile<R, T>(nb, w, x, out);
    } else {
      Single::template tile<R, T>(nb, w, x, out);
    }
  }
};

}  // namespace
}  // namespace shoptalk::kernels::arm
