// The prefill formulation (docs/kernels.md "Prefill"), written out one (row, token) at a time: the
// reference every level's prefill kernels equal bit for bit, and the scalar table's own prefill.
// Per scale block of the weight row (32 elements for Q4_0/Q5_0/Q8_0, 256 for the K-quants):
//   I = Σ_s scale_s · Σ_{k in s} q_k·a_k   (exact; s the sub-blocks sharing an integer scale)
//   M = Σ_s min_s · Σ_{k in s} a_k         (Q4_K, Q5_K: the sub-block mins)
//   t = float(I) · d_w;  t = fma(float(M), -dmin_w, t);  y = fma(t, d_a, y)
// with y = 0 before the first block. The activation sums are computed from the rows here; the SIMD
// kernels read them from the act_sums side rows, which hold the same integers.
#include <cmath>
#include <new>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/k_scales.h"
#include "kernels/scalar/int_blocks.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

namespace {

// One scale block of a weight row in the formulation's terms.
struct IntBlock {
  int8_t q[kQK_K];
  int32_t scale[kQK_K / 16];  // per sub-block of `sub` elements
  int32_t min[kQK_K / 32];    // per 32 elements, when has_mins
  int sub = kQK;
  float d = 0.0f;
  float dmin = 0.0f;
  bool has_mins = false;
};

void legacy_block(float d, IntBlock& out) {
  out.scale[0] = 1;
  out.sub = kQK;
  out.d = d;
}

void decode_q4_0(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ4_0*>(blk);
  q4_0_values(b, out.q);
  legacy_block(fp16_to_fp32(b.d), out);
}

void decode_q5_0(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ5_0*>(blk);
  q5_0_values(b, out.q);
  legacy_block(fp16_to_fp32(b.d), out);
}

void decode_q8_0(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ8_0*>(blk);
  for (int k = 0; k < kQK; ++k) out.q[k] = b.qs[k];
  legacy_block(fp16_to_fp32(b.d), out);
}

template <class Block>
void k4_scales(const Block& b, IntBlock& out) {
  for (int s = 0; s < 8; ++s) {
    uint8_t sc, m;
    unpack_scale_min_k4(s, b.scales, &sc, &m);
    out.scale[s] = sc;
    out.min[s] = m;
  }
  out.sub = 32;
  out.d = fp16_to_fp32(b.d);
  out.dmin = fp16_to_fp32(b.dmin);
  out.has_mins = true;
}

void decode_q4_k(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ4_K*>(blk);
  q4_k_values(b, out.q);
  k4_scales(b, out);
}

void decode_q5_k(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ5_K*>(blk);
  q5_k_values(b, out.q);
  k4_scales(b, out);
}

void decode_q6_k(const uint8_t* blk, IntBlock& out) {
  const auto& b = *reinterpret_cast<const BlockQ6_K*>(blk);
  q6_k_values(b, out.q);
  for (int s = 0; s < 16; ++s) out.scale[s] = b.scales[s];
  out.sub = 16;
  out.d = fp16_to_fp32(b.d);
}

// One scale block of an activation row: its int8 values and scale.
struct ActBlock {
  const int8_t* q;
  float d;
};

ActBlock q8_0_block(const uint8_t* row, int64_t b) {
  const auto& blk = reinterpret_cast<const BlockQ8_0*>(row)[b];
  return {blk.qs, fp16_to_fp32(blk.d)};
}

ActBlock q8_k_block(const uint8_t* row, int64_t b) {
  const auto& blk = reinterpret_cast<const BlockQ8_K*>(row)[b];
  return {blk.qs, blk.d};
}

// y of one (row, token) over the row's decoded blocks.
float prefill_dot(const IntBlock* row, int64_t nb, int block, const uint8_t* act,
                  ActBlock (*act_block)(const uint8_t*, int64_t)) {
  float y = 0.0f;
  for (int64_t b = 0; b < nb; ++b) {
    const IntBlock& w = row[b];
    const ActBlock a = act_block(act, static_cast<int64_t>(b));
    int32_t isum = 0;
    for (int s = 0; s < block / w.sub; ++s)
      isum += w.scale[s] * int_dot(w.q + s * w.sub, a.q + s * w.sub, w.sub);
    float t = static_cast<float>(isum) * w.d;
    if (w.has_mins) {
      int32_t msum = 0;
      for (int s = 0; s < block / 32; ++s) {
        int32_t asum = 0;
        for (int k = 0; k < 32; ++k) asum += a.q[32 * s + k];
        msum += w.min[s] * asum;
      }
      t = std::fma(static_cast<float>(msum), -w.dmin, t);
    }
    y = std::fma(t, a.d, y);
  }
  return y;
}

template <void (*Decode)(const uint8_t*, IntBlock&), int kBlock, size_t kBlockBytes>
void prefill(const PrefillOperands& op, int64_t r0, int64_t r1, uint8_t* scratch) {
  // One decoded row lives in the thread's scratch: nothing is allocated per call.
  static_assert(sizeof(IntBlock) <= kPrefillPanelRows * kQK * kPrefillScratchBytesPerWeight);
  const int64_t nb = op.n / kBlock;
  ActBlock (*act_block)(const uint8_t*, int64_t) = kBlock == kQK ? q8_0_block : q8_k_block;
  IntBlock* row = reinterpret_cast<IntBlock*>(scratch);
  for (int64_t b = 0; b < nb; ++b) new (row + b) IntBlock();
  for (int64_t r = r0; r < r1; ++r) {
    const uint8_t* w = op.w + static_cast<size_t>(r) * op.w_row_bytes;
    for (int64_t b = 0; b < nb; ++b) Decode(w + static_cast<size_t>(b) * kBlockBytes, row[b]);
    for (int64_t t = 0; t < op.n_tok; ++t)
      op.y[t * op.y_stride + r] =
          prefill_dot(row, nb, kBlock, op.x + static_cast<size_t>(t) * op.x_row_bytes, act_block);
  }
}

}  // namespace

PrefillFn prefill_kernel(GgmlType type) {
  switch (type) {
    case GgmlType::Q4_0:
      return prefill<decode_q4_0, kQK, sizeof(BlockQ4_0)>;
    case GgmlType::Q5_0:
      return prefill<decode_q5_0, kQK, sizeof(BlockQ5_0)>;
    case GgmlType::Q8_0:
      return prefill<decode_q8_0, kQK, sizeof(BlockQ8_0)>;
    case GgmlType::Q4_K:
      return prefill<decode_q4_k, kQK_K, sizeof(BlockQ4_K)>;
    case GgmlType::Q5_K:
      return prefill<decode_q5_k, kQK_K, sizeof(BlockQ5_K)>;
    case GgmlType::Q6_K:
      return prefill<decode_q6_k, kQK_K, sizeof(BlockQ6_K)>;
    default:
      return nullptr;
  }
}

void act_sums_q8_0(const void* act_row, void* sums, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(act_row);
  auto* out = static_cast<ActSumsQ8_0*>(sums);
  for (int64_t b = 0; b < n / kQK; ++b) {
    int32_t sum = 0;
    for (int k = 0; k < kQK; ++k) sum += blocks[b].qs[k];
    out[b] = {fp16_to_fp32(blocks[b].d), sum};
  }
}

void act_sums_q8_k(const void* act_row, void* sums, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(act_row);
  auto* out = static_cast<ActSumsQ8_K*>(sums);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    for (int s = 0; s < 8; ++s) {
      int sum = 0;
      for (int k = 0; k < 32; ++k) sum += blocks[b].qs[32 * s + k];
      out[b].sum32[s] = static_cast<int16_t>(sum);
    }
  }
}

}  // namespace shoptalk::kernels::scalar
