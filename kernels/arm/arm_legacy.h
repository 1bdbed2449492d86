// Integer kernels of the 32-element block weights (Q4_0, Q5_0, Q8_0, IQ4_NL) with Q8_0
// activations, for any level's dot step (arm_dot.h) and, with i8mm, as SMMLA pair tiles. Per
// (row, token) and block the integer sum is exact; the float sum then adds
// float(Σ) · (d_w · d_a) block by block, in every tile shape alike.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "formats/blocks.h"
#include "kernels/arm/arm_dot.h"
#include "kernels/arm/arm_tile.h"
#include "kernels/arm/arm_util.h"
#include "kernels/kernels.h"

namespace shoptalk::kernels::arm {
namespace {

// The 32 signed weight values of one block as two vectors (elements 0-15, 16-31).
struct Q4_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ4_0);
  static void values(const uint8_t* blk, int8x16_t v[2]) {
    uint8x16_t q[2];
    unpack_nibbles(blk + 2, q);
    for (int h = 0; h < 2; ++h) v[h] = vsubq_s8(vreinterpretq_s8_u8(q[h]), vdupq_n_s8(8));
  }
};

struct Q5_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ5_0);
  static void values(const uint8_t* blk, int8x16_t v[2]) {
    uint8x16_t q[2], high[2];
    unpack_nibbles(blk + 6, q);
    expand_bits32(blk + 2, high);
    for (int h = 0; h < 2; ++h)
      v[h] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(q[h], high[h])), vdupq_n_s8(16));
  }
};

struct Q8_0Values {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static void values(const uint8_t* blk, int8x16_t v[2]) {
    const int8_t* qs = reinterpret_cast<const int8_t*>(blk + 2);
    v[0] = vld1q_s8(qs);
    v[1] = vld1q_s8(qs + 16);
  }
};

struct IQ4_NLValues {
  static constexpr size_t kBytes = sizeof(BlockIQ4_NL);
  static void values(const uint8_t* blk, int8x16_t v[2]) {
    const int8x16_t table = vld1q_s8(kIQ4NLValues);
    uint8x16_t q[2];
    unpack_nibbles(blk + 2, q);
    for (int h = 0; h < 2; ++h) v[h] = lookup16(table, q[h]);
  }
};

// Weight values V against Q8_0 activations with the dot step of Dot, folded by Fold (arm_tile.h).
template <class V, class Dot, class Fold>
struct LegacyTile {
  static constexpr int kBlock = kQK;
  static constexpr int kGemvRows = 4;
  static constexpr int kRows = 4;
  static constexpr int kToks = 4;

  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x, float (*out)[T]) {
#if defined(__aarch64__)
    if constexpr (R % 4 == 0 && T > 1) {
      lanes_tile<R, T>(nb, w, x, out);
      return;
    }
#endif
    float sum[R][T];
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) sum[i][j] = 0.0f;
    for (int64_t b = 0; b < nb; ++b) {
      int8x16_t v[R][2];
      float dw[R];
      for (int i = 0; i < R; ++i) {
        const uint8_t* blk = w[i] + static_cast<size_t>(b) * V::kBytes;
        V::values(blk, v[i]);
        dw[i] = fp16_load(load_u16(blk));
      }
      for (int j = 0; j < T; ++j) {
        const BlockQ8_0* a = reinterpret_cast<const BlockQ8_0*>(x[j]) + b;
        const int8x16_t a0 = vld1q_s8(a->qs);
        const int8x16_t a1 = vld1q_s8(a->qs + 16);
        const float da = fp16_load(a->d);
        for (int i = 0; i < R; ++i) {
          const int32x4_t p = Dot::dot(Dot::dot(vdupq_n_s32(0), v[i][0], a0), v[i][1], a1);
          sum[i][j] = Fold::block(sum[i][j], hsum_s32(p), dw[i], da);
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) out[i][j] = sum[i][j];
  }

#if defined(__aarch64__)
  // Groups of 4 rows, one row per lane (Dot::group/dot4): one vector conversion and fold per
  // group and token instead of 4 horizontal sums.
  template <int R, int T>
  static void lanes_tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x,
                         float (*out)[T]) {
    constexpr int G = R / 4;
    float32x4_t sum[G][T];
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < T; ++j) sum[g][j] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; ++b) {
      int8x16_t v[G][8];
      float32x4_t dw[G];
      for (int g = 0; g < G; ++g) {
        int8x16_t rows[4][2];
        uint16_t d[4];
        for (int k = 0; k < 4; ++k) {
          const uint8_t* blk = w[4 * g + k] + static_cast<size_t>(b) * V::kBytes;
          V::values(blk, rows[k]);
          d[k] = load_u16(blk);
        }
        Dot::group(rows, v[g]);
        dw[g] = vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(d)));
      }
      for (int j = 0; j < T; ++j) {
        const BlockQ8_0* a = reinterpret_cast<const BlockQ8_0*>(x[j]) + b;
        const int8x16_t a0 = vld1q_s8(a->qs);
        const int8x16_t a1 = vld1q_s8(a->qs + 16);
        const float32x4_t da = vdupq_n_f32(fp16_load(a->d));
        for (int g = 0; g < G; ++g)
          sum[g][j] = Fold::block(sum[g][j], Dot::dot4(v[g], a0, a1), dw[g], da);
      }
    }
    store_row_lanes(sum, out);
  }
#endif
};

#if defined(__ARM_FEATURE_MATMUL_INT8)
// Weight values V against Q8_0 activations, two rows × two tokens per SMMLA: lanes
// (r0 t0, r0 t1, r1 t0, r1 t1), folded by Fold. R and T are even.
template <class V, class Fold>
struct MmlaLegacyTile {
  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x, float (*out)[T]) {
    constexpr int P = R / 2;
    constexpr int Q = T / 2;
    float32x4_t sum[P][Q];
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) sum[p][q] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; ++b) {
      int8x16_t wv[P][4];
      float32x4_t dw[P];
      for (int p = 0; p < P; ++p) {
        const uint8_t* blk0 = w[2 * p] + static_cast<size_t>(b) * V::kBytes;
        const uint8_t* blk1 = w[2 * p + 1] + static_cast<size_t>(b) * V::kBytes;
        int8x16_t v0[2], v1[2];
        V::values(blk0, v0);
        V::values(blk1, v1);
        zip_block(v0, v1, wv[p]);
        const float d0 = fp16_load(load_u16(blk0));
        const float d1 = fp16_load(load_u16(blk1));
        dw[p] = vcombine_f32(vdup_n_f32(d0), vdup_n_f32(d1));
      }
      for (int q = 0; q < Q; ++q) {
        const BlockQ8_0* a0 = reinterpret_cast<const BlockQ8_0*>(x[2 * q]) + b;
        const BlockQ8_0* a1 = reinterpret_cast<const BlockQ8_0*>(x[2 * q + 1]) + b;
        int8x16_t av[4];
        zip_tokens(a0->qs, a1->qs, av);
        const float da0 = fp16_load(a0->d);
        const float da1 = fp16_load(a1->d);
        const float32x4_t da = {da0, da1, da0, da1};
        for (int p = 0; p < P; ++p) {
          int32x4_t m = vdupq_n_s32(0);
          for (int k = 0; k < 4; ++k) m = vmmlaq_s32(m, wv[p][k], av[k]);
          sum[p][q] = Fold::block(sum[p][q], m, dw[p], da);
        }
      }
    }
    store_pair_tiles(sum, out);
  }
};
#endif

// Fills the vec_dot and GEMM entries of Q4_0, Q5_0, Q8_0 and IQ4_NL with Kernel<values, GemmFold>,
// the prefill entries of Q4_0, Q5_0 and Q8_0 with Kernel<values, PrefillFold>.
template <template <class, class> class Kernel>
void set_legacy(KernelTable& table) {
  set_type<Kernel<Q4_0Values, GemmFold>>(table, GgmlType::Q4_0);
  set_type<Kernel<Q5_0Values, GemmFold>>(table, GgmlType::Q5_0);
  set_type<Kernel<Q8_0Values, GemmFold>>(table, GgmlType::Q8_0);
  set_type<Kernel<IQ4_NLValues, GemmFold>>(table, GgmlType::IQ4_NL);
  set_prefill<Kernel<Q4_0Values, PrefillFold>>(table, GgmlType::Q4_0);
  set_prefill<Kernel<Q5_0Values, PrefillFold>>(table, GgmlType::Q5_0);
  set_prefill<Kernel<Q8_0Values, PrefillFold>>(table, GgmlType::Q8_0);
}

}  // namespace
}  // namespace shoptalk::kernels::arm
