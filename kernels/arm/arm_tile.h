// The tiling driver of the ARM integer GEMM kernels. A kernel K computes a register tile of
// R weight rows × T activation rows (K::tile<R, T>); every tile shape computes each (row, token)
// pair with exact integer sums per block and the same float operations in the same order, so a
// GEMM result equals the 1×1 vec_dot bit for bit and does not depend on the split into threads.
// Tokens are walked in blocks whose activations stay in L2 while the weight rows stream past.
#pragma once

#include <arm_neon.h>

#include <cmath>
#include <cstddef>
#include <cstdint>

#include "kernels/kernels.h"

namespace shoptalk::kernels::arm {
namespace {

// How a tile folds the exact integer sums of one (row, token) and scale block into its float
// result y: I (and the Q4_K/Q5_K mins term M), the weight block's d_w (and dmin_w), the activation
// block's d_a. The vector forms do the same per lane.
// GemmFold: vec_dot's order, y += float(I)·(d_w·d_a), then y -= float(M)·(dmin_w·d_a).
struct GemmFold {
  static float block(float y, int32_t i, float dw, float da) {
    return y + static_cast<float>(i) * (dw * da);
  }
  static float block(float y, int32_t i, int32_t m, float dw, float dmin, float da) {
    y += static_cast<float>(i) * (dw * da);
    return y - static_cast<float>(m) * (dmin * da);
  }
#if defined(__aarch64__)
  static float32x4_t block(float32x4_t y, int32x4_t i, float32x4_t dw, float32x4_t da) {
    return vaddq_f32(y, vmulq_f32(vcvtq_f32_s32(i), vmulq_f32(dw, da)));
  }
  static float32x4_t block(float32x4_t y, int32x4_t i, int32x4_t m, float32x4_t dw,
                           float32x4_t dmin, float32x4_t da) {
    y = block(y, i, dw, da);
    return vsubq_f32(y, vmulq_f32(vcvtq_f32_s32(m), vmulq_f32(dmin, da)));
  }
#endif
};

// PrefillFold: the prefill formulation (docs/kernels.md "Prefill"), t = float(I)·d_w,
// t = fma(float(M), −dmin_w, t), y = fma(t, d_a, y): the scalar reference's bits on every level
// (armv7 without VFPv4 takes libm's exact fmaf).
struct PrefillFold {
  static float block(float y, int32_t i, float dw, float da) {
    return std::fma(static_cast<float>(i) * dw, da, y);
  }
  static float block(float y, int32_t i, int32_t m, float dw, float dmin, float da) {
    const float t = std::fma(static_cast<float>(m), -dmin, static_cast<float>(i) * dw);
    return std::fma(t, da, y);
  }
#if defined(__aarch64__)
  static float32x4_t block(float32x4_t y, int32x4_t i, float32x4_t dw, float32x4_t da) {
    return vfmaq_f32(y, vmulq_f32(vcvtq_f32_s32(i), dw), da);
  }
  static float32x4_t block(float32x4_t y, int32x4_t i, int32x4_t m, float32x4_t dw,
                           float32x4_t dmin, float32x4_t da) {
    const float32x4_t t = vfmsq_f32(vmulq_f32(vcvtq_f32_s32(i), dw), vcvtq_f32_s32(m), dmin);
    return vfmaq_f32(y, t, da);
  }
#endif
};

// Groups of 4 rows × T tokens, one row per lane (sum[g][j] lane k: row 4g + k, token j), into
// out[4G][T].
template <int G, int T>
inline void store_row_lanes(const float32x4_t (&sum)[G][T], float (*out)[T]) {
  for (int g = 0; g < G; ++g) {
    for (int j = 0; j < T; ++j) {
      float lanes[4];
      vst1q_f32(lanes, sum[g][j]);
      for (int k = 0; k < 4; ++k) out[4 * g + k][j] = lanes[k];
    }
  }
}

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

// The PrefillFn of kernel K, whose tiles fold with PrefillFold. The ARM levels have no packed
// layout, so the weights are row-major. The tiles expand each block's values in registers, so
// the thread's scratch stays unused.
template <class K>
void prefill(const PrefillOperands& op, int64_t r0, int64_t r1, uint8_t* /*scratch*/) {
  gemm<K>(op.n, op.w, op.w_row_bytes, r0, r1, op.x, op.x_row_bytes, op.n_tok, op.y, op.y_stride);
}

// Sets the prefill entry of a weight type to kernel K's.
template <class K>
void set_prefill(KernelTable& table, GgmlType type) {
  table.types[static_cast<int>(type)].prefill = prefill<K>;
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
