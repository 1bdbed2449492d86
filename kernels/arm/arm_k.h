// Integer kernels of the K-quants (Q4_K, Q5_K, Q6_K) with Q8_K activations, for any level's dot
// step (arm_dot.h) and, with i8mm, as SMMLA pair tiles. A super-block is walked in 8 chunks of 32
// elements; each chunk's integer sum is multiplied by its sub-block scale(s) into int32 lanes,
// exact per super-block. The float sum then adds float(Σ) · (d_w · d_a) and subtracts the mins term
// float(Σ bsums · m) · (dmin_w · d_a) super-block by super-block, in every tile shape alike.
#pragma once

#include <arm_neon.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "formats/blocks.h"
#include "kernels/arm/arm_dot.h"
#include "kernels/arm/arm_tile.h"
#include "kernels/arm/arm_util.h"
#include "kernels/kernels.h"

namespace shoptalk::kernels::arm {
namespace {

// Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins (docs/formats.md).
struct K4Row {
  int32_t scales[8];
  int16x8_t mins;
  float d, dmin;
};

inline K4Row unpack_k4(const uint8_t* blk) {
  uint32_t k[3];
  std::memcpy(k, blk + 4, 12);
  const uint32_t packed[4] = {
      k[0] & 0x3F3F3F3Fu,                                          // scales 0-3
      (k[2] & 0x0F0F0F0Fu) | ((k[0] >> 2) & 0x30303030u),          // scales 4-7
      k[1] & 0x3F3F3F3Fu,                                          // mins 0-3
      ((k[2] >> 4) & 0x0F0F0F0Fu) | ((k[1] >> 2) & 0x30303030u)};  // mins 4-7
  uint8_t bytes[16];
  std::memcpy(bytes, packed, sizeof bytes);
  K4Row row;
  for (int s = 0; s < 8; ++s) row.scales[s] = bytes[s];
  row.mins = vreinterpretq_s16_u16(vmovl_u8(vld1_u8(bytes + 8)));
  row.d = fp16_load(load_u16(blk));
  row.dmin = fp16_load(load_u16(blk + 2));
  return row;
}

// Σ_k bsums[k] · m[k / 2]: the mins of one row against one activation super-block.
inline int32_t k4_min_term(const K4Row& row, const BlockQ8_K* a) {
  const int16x8_t b0 = vld1q_s16(a->bsums);
  const int16x8_t b1 = vld1q_s16(a->bsums + 8);
#if defined(__aarch64__)
  const int16x8_t pairs = vpaddq_s16(b0, b1);
#else
  const int16x8_t pairs = vcombine_s16(vpadd_s16(vget_low_s16(b0), vget_high_s16(b0)),
                                       vpadd_s16(vget_low_s16(b1), vget_high_s16(b1)));
#endif
  int32x4_t s = vmull_s16(vget_low_s16(pairs), vget_low_s16(row.mins));
  s = vmlal_s16(s, vget_high_s16(pairs), vget_high_s16(row.mins));
  return hsum_s32(s);
}

// Q4_K: chunk c holds the low (c even) or high (c odd) nibbles of qs bytes 32·(c/2)...
struct Q4K {
  static constexpr size_t kBytes = sizeof(BlockQ4_K);
  static constexpr bool kScalesPer16 = false;
  static constexpr bool kHasMins = true;
  using Row = K4Row;
  static Row prepare(const uint8_t* blk) { return unpack_k4(blk); }
  static void chunk(const uint8_t* blk, int c, int8x16_t v[2]) {
    const uint8_t* qs = blk + 16 + 32 * (c / 2);
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t raw = vld1q_u8(qs + 16 * h);
      v[h] = vreinterpretq_s8_u8((c & 1) ? vshrq_n_u8(raw, 4) : vandq_u8(raw, vdupq_n_u8(0x0F)));
    }
  }
};

// Q5_K: as Q4_K plus bit c of qh[l] as the fifth bit of element 32c + l.
struct Q5K {
  static constexpr size_t kBytes = sizeof(BlockQ5_K);
  static constexpr bool kScalesPer16 = false;
  static constexpr bool kHasMins = true;
  using Row = K4Row;
  static Row prepare(const uint8_t* blk) { return unpack_k4(blk); }
  static void chunk(const uint8_t* blk, int c, int8x16_t v[2]) {
    const uint8_t* qs = blk + 48 + 32 * (c / 2);
    const uint8x16_t bit = vdupq_n_u8(static_cast<uint8_t>(1u << c));
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t raw = vld1q_u8(qs + 16 * h);
      const uint8x16_t low = (c & 1) ? vshrq_n_u8(raw, 4) : vandq_u8(raw, vdupq_n_u8(0x0F));
      const uint8x16_t high =
          vandq_u8(vtstq_u8(vld1q_u8(blk + 16 + 16 * h), bit), vdupq_n_u8(0x10));
      v[h] = vreinterpretq_s8_u8(vorrq_u8(low, high));
    }
  }
};

// Q6_K: 16 sub-blocks of 16 with int8 scales, values q - 32 in [-32, 31]. Chunk c = elements
// 32c.. of half c/4: low 4 bits from ql (low nibbles for c%4 < 2), bits 4-5 from qh >> 2·(c%4).
struct Q6Row {
  int32_t scales[16];
  float d;
};

struct Q6K {
  static constexpr size_t kBytes = sizeof(BlockQ6_K);
  static constexpr bool kScalesPer16 = true;
  static constexpr bool kHasMins = false;
  using Row = Q6Row;
  static Row prepare(const uint8_t* blk) {
    const BlockQ6_K* q = reinterpret_cast<const BlockQ6_K*>(blk);
    Row row;
    for (int s = 0; s < 16; ++s) row.scales[s] = q->scales[s];
    row.d = fp16_load(q->d);
    return row;
  }
  static void chunk(const uint8_t* blk, int c, int8x16_t v[2]) {
    const BlockQ6_K* q = reinterpret_cast<const BlockQ6_K*>(blk);
    const int half = c / 4;
    const int k = c % 4;
    const int8x16_t shift = vdupq_n_s8(static_cast<int8_t>(-2 * k));
    for (int h = 0; h < 2; ++h) {
      const uint8x16_t ql = vld1q_u8(q->ql + 64 * half + 32 * (k & 1) + 16 * h);
      const uint8x16_t qh = vld1q_u8(q->qh + 32 * half + 16 * h);
      const uint8x16_t low = k < 2 ? vandq_u8(ql, vdupq_n_u8(0x0F)) : vshrq_n_u8(ql, 4);
      const uint8x16_t high = vshlq_n_u8(vandq_u8(vshlq_u8(qh, shift), vdupq_n_u8(3)), 4);
      v[h] = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, high)), vdupq_n_s8(32));
    }
  }
};

// K-quant K against Q8_K activations with the dot step of Dot, folded by Fold (arm_tile.h).
template <class K, class Dot, class Fold>
struct KTile {
  static constexpr int kBlock = kQK_K;
  static constexpr int kGemvRows = 2;
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
      const uint8_t* blk[R];
      typename K::Row row[R];
      for (int i = 0; i < R; ++i) {
        blk[i] = w[i] + static_cast<size_t>(b) * K::kBytes;
        row[i] = K::prepare(blk[i]);
      }
      const BlockQ8_K* a[T];
      for (int j = 0; j < T; ++j) a[j] = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
      int32x4_t isum[R][T];
      for (int i = 0; i < R; ++i)
        for (int j = 0; j < T; ++j) isum[i][j] = vdupq_n_s32(0);
      for (int c = 0; c < 8; ++c) {
        int8x16_t v[R][2];
        for (int i = 0; i < R; ++i) K::chunk(blk[i], c, v[i]);
        for (int j = 0; j < T; ++j) {
          const int8x16_t a0 = vld1q_s8(a[j]->qs + 32 * c);
          const int8x16_t a1 = vld1q_s8(a[j]->qs + 32 * c + 16);
          const int32x4_t zero = vdupq_n_s32(0);
          for (int i = 0; i < R; ++i) {
            if constexpr (K::kScalesPer16) {
              isum[i][j] =
                  vmlaq_n_s32(isum[i][j], Dot::dot(zero, v[i][0], a0), row[i].scales[2 * c]);
              isum[i][j] =
                  vmlaq_n_s32(isum[i][j], Dot::dot(zero, v[i][1], a1), row[i].scales[2 * c + 1]);
            } else {
              isum[i][j] = vmlaq_n_s32(
                  isum[i][j], Dot::dot(Dot::dot(zero, v[i][0], a0), v[i][1], a1), row[i].scales[c]);
            }
          }
        }
      }
      for (int j = 0; j < T; ++j) {
        for (int i = 0; i < R; ++i) {
          const int32_t isum_ij = hsum_s32(isum[i][j]);
          if constexpr (K::kHasMins) {
            sum[i][j] = Fold::block(sum[i][j], isum_ij, k4_min_term(row[i], a[j]), row[i].d,
                                    row[i].dmin, a[j]->d);
          } else {
            sum[i][j] = Fold::block(sum[i][j], isum_ij, row[i].d, a[j]->d);
          }
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) out[i][j] = sum[i][j];
  }

#if defined(__aarch64__)
  // Groups of 4 rows, one row per lane (Dot::group/dot4): each chunk's sums are weighted by the 4
  // rows' sub-block scales in one multiply-add, and a super-block ends with one vector fold per
  // group and token instead of 4 horizontal sums.
  template <int R, int T>
  static void lanes_tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x,
                         float (*out)[T]) {
    constexpr int G = R / 4;
    constexpr int kScales = K::kScalesPer16 ? 16 : 8;
    float32x4_t sum[G][T];
    for (int g = 0; g < G; ++g)
      for (int j = 0; j < T; ++j) sum[g][j] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk[R];
      typename K::Row row[R];
      int32_t scales[G][kScales][4];
      float dw[G][4];
      [[maybe_unused]] float dmin[G][4];
      for (int i = 0; i < R; ++i) {
        blk[i] = w[i] + static_cast<size_t>(b) * K::kBytes;
        row[i] = K::prepare(blk[i]);
        for (int s = 0; s < kScales; ++s) scales[i / 4][s][i % 4] = row[i].scales[s];
        dw[i / 4][i % 4] = row[i].d;
        if constexpr (K::kHasMins) dmin[i / 4][i % 4] = row[i].dmin;
      }
      const BlockQ8_K* a[T];
      for (int j = 0; j < T; ++j) a[j] = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
      int32x4_t isum[G][T];
      for (int g = 0; g < G; ++g)
        for (int j = 0; j < T; ++j) isum[g][j] = vdupq_n_s32(0);
      for (int c = 0; c < 8; ++c) {
        int8x16_t v[G][8];
        for (int g = 0; g < G; ++g) {
          int8x16_t rows[4][2];
          for (int k = 0; k < 4; ++k) K::chunk(blk[4 * g + k], c, rows[k]);
          Dot::group(rows, v[g]);
        }
        for (int j = 0; j < T; ++j) {
          const int8x16_t a0 = vld1q_s8(a[j]->qs + 32 * c);
          const int8x16_t a1 = vld1q_s8(a[j]->qs + 32 * c + 16);
          const int32x4_t zero = vdupq_n_s32(0);
          for (int g = 0; g < G; ++g) {
            if constexpr (K::kScalesPer16) {
              isum[g][j] = vmlaq_s32(isum[g][j], Dot::dot4_half(zero, v[g], 0, a0),
                                     vld1q_s32(scales[g][2 * c]));
              isum[g][j] = vmlaq_s32(isum[g][j], Dot::dot4_half(zero, v[g], 1, a1),
                                     vld1q_s32(scales[g][2 * c + 1]));
            } else {
              isum[g][j] = vmlaq_s32(isum[g][j], Dot::dot4(v[g], a0, a1), vld1q_s32(scales[g][c]));
            }
          }
        }
      }
      for (int j = 0; j < T; ++j) {
        const float32x4_t da = vdupq_n_f32(a[j]->d);
        for (int g = 0; g < G; ++g) {
          if constexpr (K::kHasMins) {
            const K4Row* r = row + 4 * g;
            const int32x4_t mins = {k4_min_term(r[0], a[j]), k4_min_term(r[1], a[j]),
                                    k4_min_term(r[2], a[j]), k4_min_term(r[3], a[j])};
            sum[g][j] =
                Fold::block(sum[g][j], isum[g][j], mins, vld1q_f32(dw[g]), vld1q_f32(dmin[g]), da);
          } else {
            sum[g][j] = Fold::block(sum[g][j], isum[g][j], vld1q_f32(dw[g]), da);
          }
        }
      }
    }
    store_row_lanes(sum, out);
  }
#endif
};

#if defined(__ARM_FEATURE_MATMUL_INT8)
// K-quant K against Q8_K activations, two rows × two tokens per SMMLA: lanes
// (r0 t0, r0 t1, r1 t0, r1 t1), folded by Fold. R and T are even.
template <class K, class Fold>
struct MmlaKTile {
  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, const uint8_t* const* x, float (*out)[T]) {
    constexpr int P = R / 2;
    constexpr int Q = T / 2;
    float32x4_t sum[P][Q];
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) sum[p][q] = vdupq_n_f32(0.0f);
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk[R];
      typename K::Row row[R];
      for (int i = 0; i < R; ++i) {
        blk[i] = w[i] + static_cast<size_t>(b) * K::kBytes;
        row[i] = K::prepare(blk[i]);
      }
      const BlockQ8_K* a[T];
      for (int j = 0; j < T; ++j) a[j] = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
      int32x4_t isum[P][Q];
      for (int p = 0; p < P; ++p)
        for (int q = 0; q < Q; ++q) isum[p][q] = vdupq_n_s32(0);
      for (int c = 0; c < 8; ++c) {
        int8x16_t wv[P][4];
        int32x4_t scale[P][2];
        for (int p = 0; p < P; ++p) {
          int8x16_t v0[2], v1[2];
          K::chunk(blk[2 * p], c, v0);
          K::chunk(blk[2 * p + 1], c, v1);
          zip_block(v0, v1, wv[p]);
          for (int h = 0; h < 2; ++h) {
            const int s = K::kScalesPer16 ? 2 * c + h : c;
            const int32_t s0 = row[2 * p].scales[s];
            const int32_t s1 = row[2 * p + 1].scales[s];
            scale[p][h] = vcombine_s32(vdup_n_s32(s0), vdup_n_s32(s1));
          }
        }
        for (int q = 0; q < Q; ++q) {
          int8x16_t av[4];
          zip_tokens(a[2 * q]->qs + 32 * c, a[2 * q + 1]->qs + 32 * c, av);
          const int32x4_t zero = vdupq_n_s32(0);
          for (int p = 0; p < P; ++p) {
            const int32x4_t m0 = vmmlaq_s32(vmmlaq_s32(zero, wv[p][0], av[0]), wv[p][1], av[1]);
            const int32x4_t m1 = vmmlaq_s32(vmmlaq_s32(zero, wv[p][2], av[2]), wv[p][3], av[3]);
            if constexpr (K::kScalesPer16) {
              isum[p][q] = vmlaq_s32(vmlaq_s32(isum[p][q], m0, scale[p][0]), m1, scale[p][1]);
            } else {
              isum[p][q] = vmlaq_s32(isum[p][q], vaddq_s32(m0, m1), scale[p][0]);
            }
          }
        }
      }
      for (int q = 0; q < Q; ++q) {
        const float da0 = a[2 * q]->d;
        const float da1 = a[2 * q + 1]->d;
        const float32x4_t da = {da0, da1, da0, da1};
        for (int p = 0; p < P; ++p) {
          const typename K::Row& r0 = row[2 * p];
          const typename K::Row& r1 = row[2 * p + 1];
          const float32x4_t dw = {r0.d, r0.d, r1.d, r1.d};
          if constexpr (K::kHasMins) {
            const int32x4_t mins = {k4_min_term(r0, a[2 * q]), k4_min_term(r0, a[2 * q + 1]),
                                    k4_min_term(r1, a[2 * q]), k4_min_term(r1, a[2 * q + 1])};
            const float32x4_t dmin = {r0.dmin, r0.dmin, r1.dmin, r1.dmin};
            sum[p][q] = Fold::block(sum[p][q], isum[p][q], mins, dw, dmin, da);
          } else {
            sum[p][q] = Fold::block(sum[p][q], isum[p][q], dw, da);
          }
        }
      }
    }
    store_pair_tiles(sum, out);
  }
};
#endif

// Fills the vec_dot and GEMM entries of Q4_K, Q5_K and Q6_K with Kernel<K, GemmFold>, their
// prefill entries with Kernel<K, PrefillFold>.
template <template <class, class> class Kernel>
void set_k(KernelTable& table) {
  set_type<Kernel<Q4K, GemmFold>>(table, GgmlType::Q4_K);
  set_type<Kernel<Q5K, GemmFold>>(table, GgmlType::Q5_K);
  set_type<Kernel<Q6K, GemmFold>>(table, GgmlType::Q6_K);
  set_prefill<Kernel<Q4K, PrefillFold>>(table, GgmlType::Q4_K);
  set_prefill<Kernel<Q5K, PrefillFold>>(table, GgmlType::Q5_K);
  set_prefill<Kernel<Q6K, PrefillFold>>(table, GgmlType::Q6_K);
}

}  // namespace
}  // namespace shoptalk::kernels::arm
