// The tiled prefill attention (kernels/scalar/attention_tile.cpp's formulation, bit for bit)
// written once over a small vector interface and instantiated per ISA: an ISA folder includes this
// header from a translation unit compiled with its flags and passes its Ops.
//
// The query rows of a tile (tokens × the heads of a GQA group) sit in vector lanes, so every
// per-row step of the reference (a score's chain of fused multiply-adds over the dimensions, the
// running maximum and sum, the accumulator's rescale and its fused multiply-add per position) is
// one vector operation for N rows at once, in the reference's order. Scores and values are two
// small matrix products with the same register tile: RV row vectors × KC columns of accumulators,
// a column's factor broadcast from the key (scores) or value (values) block, converted to float
// once per block and shared by all the tile's rows. Blocks past every row's causal limit are not
// visited; in a block that some rows see only in part, the hidden positions get weight 0, which
// leaves those rows' sums and accumulators exactly as the reference's shorter loop does.
//
// Ops provides: V (a vector of kLanes floats), kAccumulators (vectors a register tile may hold;
// every tile's column count divides it), kRegisterRows (the most row vectors a tile holds),
// load, store, splat, bcast (one float from memory to every lane), fma (a·b + c rounded once), mul,
// add, sub, max, select_lt(x, y, a, b) (per lane x < y ? a : b), and pow2(z) (the float whose bits
// are (bits of z) << 23 plus the bits of 1.0f), prefetch(p) (a hint to fetch p's cache line).
#pragma once

#include <algorithm>
#include <cstdint>
#include <limits>

#include "kernels/attention_exp.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"

namespace shoptalk::kernels::simd {

// attention_exp::exp lane by lane.
template <class Ops>
typename Ops::V attention_exp_v(typename Ops::V x) {
  using V = typename Ops::V;
  namespace e = attention_exp;
  x = Ops::max(x, Ops::splat(e::kMin));
  const V z = Ops::fma(x, Ops::splat(e::kLog2e), Ops::splat(e::kShift));
  const V n = Ops::sub(z, Ops::splat(e::kShift));
  V b = Ops::fma(n, Ops::splat(-e::kLn2Hi), x);
  b = Ops::fma(n, Ops::splat(-e::kLn2Lo), b);
  V p = Ops::fma(Ops::splat(e::kC7), b, Ops::splat(e::kC6));
  p = Ops::fma(p, b, Ops::splat(e::kC5));
  p = Ops::fma(p, b, Ops::splat(e::kC4));
  p = Ops::fma(p, b, Ops::splat(e::kC3));
  p = Ops::fma(p, b, Ops::splat(e::kC2));
  p = Ops::fma(p, b, Ops::splat(1.0f));
  p = Ops::fma(p, b, Ops::splat(1.0f));
  return Ops::mul(p, Ops::pow2(z));
}

namespace attention_tile_detail {

// acc[r][c] = fma(a_k[r], b_k[c], acc[r][c]) for k = 0 .. steps-1 in order: a_k is the panel row
// at a + k·a_step (RV vectors), b_k[c] the float at b + c·b_col + k·b_step.
template <class Ops, int RV, int KC>
inline void panel(const float* a, int64_t a_step, const float* b, int64_t b_col, int64_t b_step,
                  int steps, typename Ops::V (&acc)[RV][KC]) {
  for (int k = 0; k < steps; ++k) {
    typename Ops::V av[RV];
    for (int r = 0; r < RV; ++r) av[r] = Ops::load(a + k * a_step + r * Ops::kLanes);
    for (int c = 0; c < KC; ++c) {
      const typename Ops::V bv = Ops::bcast(b + c * b_col + k * b_step);
      for (int r = 0; r < RV; ++r) acc[r][c] = Ops::fma(av[r], bv, acc[r][c]);
    }
  }
}

// Scores (k = dimension) or values (k = position) of the row vectors [r0, r0 + RT) against the
// columns [c0, c0 + count) in register tiles of RT × KC accumulators, KC = kAccumulators / RT.
// acc_in(r, c) gives a tile's starting value, out(r, c) where it goes.
template <class Ops, int RT, class In, class Out>
inline void products(int r0, const float* a, int64_t a_step, const float* b, int64_t b_col,
                     int64_t b_step, int steps, int count, In acc_in, Out out) {
  constexpr int KC = Ops::kAccumulators / RT;
  static_assert(Ops::kAccumulators % KC == 0, "columns padded to kAccumulators fill whole tiles");
  for (int c0 = 0; c0 < count; c0 += KC) {
    typename Ops::V acc[RT][KC];
    for (int r = 0; r < RT; ++r)
      for (int c = 0; c < KC; ++c) acc[r][c] = acc_in(r0 + r, c0 + c);
    panel<Ops, RT, KC>(a + r0 * Ops::kLanes, a_step, b + c0 * b_col, b_col, b_step, steps, acc);
    for (int r = 0; r < RT; ++r)
      for (int c = 0; c < KC; ++c) Ops::store(out(r0 + r, c0 + c), acc[r][c]);
  }
}

// The row vectors [0, RV) in register tiles of at most kRegisterRows row vectors.
template <class Ops, int RV, class In, class Out>
inline void products_all(const float* a, int64_t a_step, const float* b, int64_t b_col,
                         int64_t b_step, int steps, int count, In acc_in, Out out) {
  constexpr int kRows = Ops::kRegisterRows;
  for (int g = 0; g < RV / kRows; ++g)
    products<Ops, kRows>(g * kRows, a, a_step, b, b_col, b_step, steps, count, acc_in, out);
  if constexpr (RV % kRows > 0)
    products<Ops, RV % kRows>(RV / kRows * kRows, a, a_step, b, b_col, b_step, steps, count, acc_in,
                              out);
}

// One tile of at most RV·kLanes rows.
template <class Ops, int RV>
void run(const KernelTable& table, const AttentionTile& tile) {
  using V = typename Ops::V;
  constexpr int N = Ops::kLanes;
  constexpr int W = RV * N;
  constexpr int B = kAttentionTileKeys;
  // Every register tile's column count divides kAccumulators, so columns padded to a multiple of
  // it fill whole tiles, and a key block holds a whole number of such multiples.
  static_assert(B % Ops::kAccumulators == 0, "a key block must hold whole register tiles");
  // So the rows and the padded head size stay within attention_tile_scratch_bytes.
  static_assert(W <= kAttentionTileRows, "a tile's lanes fit kAttentionTileRows rows");
  const AttentionRow& args = tile.first;
  const int hd = args.head_dim;
  const int hd_pad = (hd + Ops::kAccumulators - 1) / Ops::kAccumulators * Ops::kAccumulators;
  const int rows = tile.n_query * tile.n_tok;
  const ToFloatFn to_float = table.types[static_cast<int>(args.kv_type)].to_float;
  float* qt = tile.scratch;     // [hd][W]: the scaled queries, one row per lane
  float* ot = qt + hd * W;      // [hd_pad][W]: the value accumulators
  float* kf = ot + hd_pad * W;  // [B][hd]: the block's keys as floats
  float* vf = kf + B * hd;      // [B][hd_pad]: its values, zero past hd
  float* pt = vf + B * hd_pad;  // [B][W]: scores, then weights

  // Lanes past the last row hold zero queries and see what row 0 sees; they are not written out.
  alignas(64) float limit[W];
  for (int r = 0; r < W; ++r) {
    const bool live = r < rows;
    const int t = live ? r / tile.n_query : 0;
    const float* q = args.q + t * tile.q_tok_stride + (live ? r % tile.n_query : 0) * hd;
    for (int d = 0; d < hd; ++d) qt[d * W + r] = live ? q[d] * args.scale : 0.0f;
    limit[r] = static_cast<float>(args.n_kv + t);
  }
  std::fill(ot, ot + hd_pad * W, 0.0f);
  for (int c = 0; c < B; ++c) std::fill(vf + c * hd_pad + hd, vf + (c + 1) * hd_pad, 0.0f);
  V run_max[RV], run_sum[RV], lim[RV], rescale[RV];
  for (int r = 0; r < RV; ++r) {
    run_max[r] = Ops::splat(-std::numeric_limits<float>::infinity());
    run_sum[r] = Ops::splat(0.0f);
    lim[r] = Ops::load(limit + r * N);
  }
  const size_t row_bytes = activation_row_bytes(args.kv_type, hd);
  const int64_t end = args.n_kv + tile.n_tok - 1;  // positions the last row sees
  for (int64_t j0 = 0; j0 < end; j0 += B) {
    const int count = static_cast<int>(std::min<int64_t>(B, end - j0));
    const int padded = (count + Ops::kAccumulators - 1) / Ops::kAccumulators * Ops::kAccumulators;
    for (int c = 0; c < count; ++c) {
      to_float(args.k + (j0 + c) * args.kv_stride, kf + c * hd, hd);
      to_float(args.v + (j0 + c) * args.kv_stride, vf + c * hd_pad, hd);
    }
    // The next block's rows, while this one is multiplied.
    for (int64_t j = j0 + B; j < std::min<int64_t>(j0 + 2 * B, end); ++j) {
      for (size_t off = 0; off < row_bytes; off += 64) {
        Ops::prefetch(args.k + j * args.kv_stride + off);
        Ops::prefetch(args.v + j * args.kv_stride + off);
      }
    }
    for (int c = count; c < padded; ++c) {
      std::fill(kf + c * hd, kf + (c + 1) * hd, 0.0f);
      std::fill(vf + c * hd_pad, vf + c * hd_pad + hd, 0.0f);
    }
    products_all<Ops, RV>(
        qt, W, kf, hd, 1, hd, padded, [](int, int) { return Ops::splat(0.0f); },
        [&](int r, int c) { return pt + c * W + r * N; });
    // Some rows do not see every position of this block (the causal diagonal, the padding).
    const bool masked = j0 + padded > args.n_kv;
    const V lowest = Ops::splat(-std::numeric_limits<float>::infinity());
    const V zero = Ops::splat(0.0f);
    for (int r = 0; r < RV; ++r) {
      V block_max = lowest;
      for (int c = 0; c < padded; ++c) {
        V s = Ops::load(pt + c * W + r * N);
        if (masked) s = Ops::select_lt(Ops::splat(static_cast<float>(j0 + c)), lim[r], s, lowest);
        block_max = Ops::max(block_max, s);
      }
      const V new_max = Ops::max(run_max[r], block_max);
      rescale[r] = attention_exp_v<Ops>(Ops::sub(run_max[r], new_max));
      run_max[r] = new_max;
      V sum = Ops::mul(run_sum[r], rescale[r]);
      for (int c = 0; c < padded; ++c) {
        V p = attention_exp_v<Ops>(Ops::sub(Ops::load(pt + c * W + r * N), new_max));
        if (masked) p = Ops::select_lt(Ops::splat(static_cast<float>(j0 + c)), lim[r], p, zero);
        Ops::store(pt + c * W + r * N, p);
        sum = Ops::add(sum, p);
      }
      run_sum[r] = sum;
    }
    products_all<Ops, RV>(
        pt, W, vf, 1, hd_pad, padded, hd_pad,
        [&](int r, int c) { return Ops::mul(Ops::load(ot + c * W + r * N), rescale[r]); },
        [&](int r, int c) { return ot + c * W + r * N; });
  }
  alignas(64) float sums[W];
  for (int r = 0; r < RV; ++r) Ops::store(sums + r * N, run_sum[r]);
  for (int r = 0; r < rows; ++r) {
    const float inv = 1.0f / sums[r];
    float* out = args.out + (r / tile.n_query) * tile.out_tok_stride + (r % tile.n_query) * hd;
    for (int d = 0; d < hd; ++d) out[d] = ot[d * W + r] * inv;
  }
}

template <class Ops, int RV = 1>
void run_rows(int rv, const KernelTable& table, const AttentionTile& tile) {
  if constexpr (RV * Ops::kLanes <= kAttentionTileRows) {
    if (rv == RV) {
      run<Ops, RV>(table, tile);
    } else {
      run_rows<Ops, RV + 1>(rv, table, tile);
    }
  }
}

}  // namespace attention_tile_detail

// The kernel entry: the tokens in tiles of at most kAttentionTileRows rows (a row's result does
// not depend on its tile). Groups wider than a tile take the scalar reference.
template <class Ops>
void attention_tile(const KernelTable& table, const AttentionTile& tile,
                    void (*reference)(const KernelTable&, const AttentionTile&)) {
  if (tile.n_query > kAttentionTileRows) {
    reference(table, tile);
    return;
  }
  static_assert(kAttentionTileRows % Ops::kLanes == 0, "whole vectors of rows fill a tile");
  const int per_tile = kAttentionTileRows / tile.n_query;
  for (int t0 = 0; t0 < tile.n_tok; t0 += per_tile) {
    AttentionTile part = tile;
    part.n_tok = std::min(per_tile, tile.n_tok - t0);
    part.first.q += t0 * tile.q_tok_stride;
    part.first.out += t0 * tile.out_tok_stride;
    part.first.n_kv += t0;
    const int rows = part.n_tok * part.n_query;
    attention_tile_detail::run_rows<Ops>((rows + Ops::kLanes - 1) / Ops::kLanes, table, part);
  }
}

}  // namespace shoptalk::kernels::simd
