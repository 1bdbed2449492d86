// The prefill kernels of the x86 levels: the formulation of kernels/scalar/prefill.cpp
// (docs/kernels.md "Prefill") over weight panels expanded per thread. A panel is one weight row per
// int32 lane of a vector (8 rows on 256-bit vectors, 16 on the AVX-512 level's 512-bit ones): for
// each scale block, its values as bytes in steps of 4 elements (step g holds elements 4g..4g+3 of
// each row), then per lane the block's integer scales, mins and float scales. A step meets the 4
// activation bytes of a token broadcast to every lane, so each lane sums one (row, token) product
// and the tile needs no horizontal reduction; the integer sum of a scale block is exact, converted
// once, and folded into the float result in block order, which is the scalar reference's sequence
// for every lane, whatever the tile, row split or level.
//
// The integer steps: 4- and 5-bit values are unsigned (the offset of Q4_0/Q5_0 comes back as
// -offset·Σa from the activation sums), so several maddubs products add up in int16 lanes before
// one widening madd (8 steps for values ≤ 15, 4 for ≤ 31, 2 for Q6_K's ≤ 63); Q8_0 values are
// shifted to unsigned (q + 128) and, at AVX2, split into two nibble planes. The VNNI levels take
// the 32-element blocks in one vpdpbusd a step and widen with vpdpwssd. Each level's
// <level>_gemm_legacy.cpp / <level>_gemm_k.cpp instantiates these with its vector policy.
#pragma once

#include <immintrin.h>

#include <cstddef>
#include <cstring>

#include "formats/blocks.h"
#include "formats/k_scales.h"
#include "kernels/kernels.h"
#include "kernels/packed_layout.h"
#include "kernels/x86/avx2_gemm_k.h"
#include "kernels/x86/avx2_gemm_legacy.h"
#include "kernels/x86/avx2_int_dot.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {
namespace {

// Bytes of activation rows (and their sums) a thread keeps hot in L2 while its panels pass.
constexpr size_t kPrefillActivationBytes = 1 << 20;

// out[g] lane l = element g of in[l] (8×8 transpose of 32-bit elements).
inline void transpose8x8_epi32(const __m256i in[8], __m256i out[8]) {
  __m256i t[8], u[8];
  for (int k = 0; k < 4; ++k) {
    t[2 * k] = _mm256_unpacklo_epi32(in[2 * k], in[2 * k + 1]);
    t[2 * k + 1] = _mm256_unpackhi_epi32(in[2 * k], in[2 * k + 1]);
  }
  for (int k = 0; k < 2; ++k) {
    u[4 * k + 0] = _mm256_unpacklo_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 1] = _mm256_unpackhi_epi64(t[4 * k], t[4 * k + 2]);
    u[4 * k + 2] = _mm256_unpacklo_epi64(t[4 * k + 1], t[4 * k + 3]);
    u[4 * k + 3] = _mm256_unpackhi_epi64(t[4 * k + 1], t[4 * k + 3]);
  }
  for (int g = 0; g < 4; ++g) {
    out[g] = _mm256_permute2x128_si256(u[g], u[4 + g], 0x20);
    out[g + 4] = _mm256_permute2x128_si256(u[g], u[4 + g], 0x31);
  }
}

inline int32_t int16_pair(int lo, int hi) {
  return static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint16_t>(lo)) |
                              static_cast<uint32_t>(static_cast<uint16_t>(hi)) << 16);
}

// Keeps a running sum in its register step by step: GCC otherwise reassociates the integer adds
// of the unrolled steps into a tree and parks every product on the stack.
template <class V>
inline void pin(V& sum) {
  __asm__("" : "+v"(sum));
}

inline int32_t load32(const void* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// The vector operations of a level's prefill kernels on 256-bit vectors (8 lanes) with its dot
// step (avx2_int_dot.h).
template <class Dot>
struct Ymm {
  using V = __m256i;
  using F = __m256;
  static constexpr int kLanes = 8;
  static constexpr bool kFused = Dot::kFused;
  static constexpr int kRegisters = Dot::kRegisters;
  static V load(const void* p) { return _mm256_load_si256(static_cast<const __m256i*>(p)); }
  static V broadcast32(const void* p) { return _mm256_set1_epi32(load32(p)); }
  static V set1_32(int32_t v) { return _mm256_set1_epi32(v); }
  static V set1_16(int16_t v) { return _mm256_set1_epi16(v); }
  static V maddubs(V u, V s) { return _mm256_maddubs_epi16(u, s); }
  static V add16(V a, V b) { return _mm256_add_epi16(a, b); }
  static V widen(V acc, V pairs, V scale16) { return Dot::widen(acc, pairs, scale16); }
  static V dot(V acc, V u, V s) { return Dot::dot(acc, u, s); }
  static F zero_f() { return _mm256_setzero_ps(); }
  static F set1_f(float v) { return _mm256_set1_ps(v); }
  static F load_f(const float* p) { return _mm256_load_ps(p); }
  static F cvt(V v) { return _mm256_cvtepi32_ps(v); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  // Stores lanes [0, count) to dst.
  static void store(float* dst, F v, int64_t count) {
    if (count == kLanes) {
      _mm256_storeu_ps(dst, v);
      return;
    }
    alignas(32) float lanes[kLanes];
    _mm256_store_ps(lanes, v);
    for (int64_t l = 0; l < count; ++l) dst[l] = lanes[l];
  }
};

#if defined(__AVX512VNNI__) && defined(__AVX512BW__)
// The AVX-512 level's: 512-bit vectors (16 lanes), vpdpbusd and vpdpwssd.
struct Zmm {
  using V = __m512i;
  using F = __m512;
  static constexpr int kLanes = 16;
  static constexpr bool kFused = true;
  static constexpr int kRegisters = 32;
  static V load(const void* p) { return _mm512_load_si512(p); }
  static V broadcast32(const void* p) { return _mm512_set1_epi32(load32(p)); }
  static V set1_32(int32_t v) { return _mm512_set1_epi32(v); }
  static V set1_16(int16_t v) { return _mm512_set1_epi16(v); }
  static V maddubs(V u, V s) { return _mm512_maddubs_epi16(u, s); }
  static V add16(V a, V b) { return _mm512_add_epi16(a, b); }
  static V widen(V acc, V pairs, V scale16) { return _mm512_dpwssd_epi32(acc, pairs, scale16); }
  static V dot(V acc, V u, V s) { return _mm512_dpbusd_epi32(acc, u, s); }
  static F zero_f() { return _mm512_setzero_ps(); }
  static F set1_f(float v) { return _mm512_set1_ps(v); }
  static F load_f(const float* p) { return _mm512_load_ps(p); }
  // The zero-masked form: GCC 12 warns that the unmasked one's undefined source is uninitialized.
  static F cvt(V v) { return _mm512_maskz_cvtepi32_ps(static_cast<__mmask16>(0xFFFF), v); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F fmadd(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }
  static void store(float* dst, F v, int64_t count) {
    _mm512_mask_storeu_ps(dst, static_cast<__mmask16>((1u << count) - 1), v);
  }
};
#endif

// One scale block of a panel of kLanes rows: the values in steps of 4 elements (a plane per int16
// weight: Q8_0 at AVX2 has two), and per lane the block's scales.
template <int kPlanes, int kLanes>
struct alignas(64) LegacyBlock {
  uint8_t q[kPlanes][8][4 * kLanes];
  float d[kLanes];
};
template <int kSubs, int kPairs, int kLanes>
struct alignas(64) KBlock {
  uint8_t q[1][64][4 * kLanes];
  int32_t scale[kSubs][kLanes];  // sub-block scale s as the int16 pair (s, s)
  int32_t pair[kPairs][kLanes];  // two sub-blocks' mins (Q6_K: -32·scales) as an int16 pair
  float d[kLanes];
  float negdmin[kLanes];
};

// The activation row types: where a block's int8 values start.
struct ActQ8_0 {
  static constexpr size_t kBlockBytes = sizeof(BlockQ8_0);
  static constexpr size_t kQs = offsetof(BlockQ8_0, qs);
};
struct ActQ8_K {
  static constexpr size_t kBlockBytes = sizeof(BlockQ8_K);
  static constexpr size_t kQs = offsetof(BlockQ8_K, qs);
};

// The 32 values of block (or chunk) c of each of kLanes rows, transposed into 8 steps of a panel
// (8 rows at a time: the 32-byte halves of a 16-lane step).
template <int kLanes, class Values>
void store_steps(const uint8_t* const* rows, int c, uint8_t (*steps)[4 * kLanes], Values values) {
  for (int h = 0; h < kLanes / 8; ++h) {
    __m256i v[8], out[8];
    for (int l = 0; l < 8; ++l) {
      const uint8_t* row = rows[8 * h + l];
      v[l] = row ? values(row, c) : _mm256_setzero_si256();
    }
    transpose8x8_epi32(v, out);
    for (int g = 0; g < 8; ++g)
      _mm256_store_si256(reinterpret_cast<__m256i*>(steps[g] + 32 * h), out[g]);
  }
}

// Q4_0, Q5_0, Q8_0 against Q8_0 activations: one scale block of 32, value = u - 2^kShift. V gives
// a raw block's 32 values as unsigned bytes u.
template <class V, int kShift, int kMaxU, class Ops>
struct LegacyPrefill {
  using Act = ActQ8_0;
  static constexpr int kLanes = Ops::kLanes;
  static constexpr int kBlock = kQK;
  static constexpr size_t kBlockBytes = V::kBytes;
  // Q8_0 without a fused dot step: u = 16·hi + lo, two planes of nibbles.
  static constexpr bool kSplit = kMaxU > 31 && !Ops::kFused;
  static constexpr int kPlanes = kSplit ? 2 : 1;
  static constexpr int kSubs = 1;
  static constexpr int kSubSteps = 8;
  static constexpr int kSumSteps = kSplit || kMaxU <= 15 ? 8 : 4;  // maddubs per int16 sum
  static constexpr bool kMins = false;
  static constexpr int kPairs = 0;
  static constexpr int kOffsetShift = kShift;
  using Block = LegacyBlock<kPlanes, kLanes>;

  static void expand(const uint8_t* const* rows, Block& out) {
    const auto values = [](const uint8_t* blk, int) { return V::values(blk); };
    if (kSplit) {
      const __m256i nibble = _mm256_set1_epi8(0x0F);
      const auto high = [&](const uint8_t* blk, int) {
        return _mm256_and_si256(_mm256_srli_epi16(V::values(blk), 4), nibble);
      };
      const auto low = [&](const uint8_t* blk, int) {
        return _mm256_and_si256(V::values(blk), nibble);
      };
      store_steps<kLanes>(rows, 0, out.q[0], high);
      store_steps<kLanes>(rows, 0, out.q[kPlanes - 1], low);
    } else {
      store_steps<kLanes>(rows, 0, out.q[0], values);
    }
    for (int l = 0; l < kLanes; ++l) {
      uint16_t d = 0;
      if (rows[l]) std::memcpy(&d, rows[l], sizeof d);
      out.d[l] = rows[l] ? fp16_load(d) : 0.0f;
    }
  }
  // The int16 weight of plane p's sums: 16 for the high nibbles, 1 otherwise.
  static typename Ops::V plane_scale(int p) { return Ops::set1_16(kSplit && p == 0 ? 16 : 1); }
};

// Q8_0's values as unsigned bytes q + 128.
struct Q8_0Unsigned {
  static constexpr size_t kBytes = sizeof(BlockQ8_0);
  static __m256i values(const uint8_t* b) {
    return _mm256_xor_si256(load256(b + 2), _mm256_set1_epi8(static_cast<char>(0x80)));
  }
};

// Q4_K and Q5_K (K = the chunk policy of avx2_gemm_k.h): super-blocks of 256 with 8 sub-block
// scales and mins; values 0..15 (0..31).
template <class K, int kMaxU, class Ops>
struct K4Prefill {
  using Act = ActQ8_K;
  static constexpr int kLanes = Ops::kLanes;
  static constexpr int kBlock = kQK_K;
  static constexpr size_t kBlockBytes = K::kBytes;
  static constexpr int kPlanes = 1;
  static constexpr int kSubs = 8;
  static constexpr int kSubSteps = 8;
  static constexpr int kSumSteps = kMaxU <= 15 ? 8 : 4;
  static constexpr bool kMins = true;
  static constexpr int kPairs = 4;  // mins of sub-blocks 2k and 2k + 1
  using Block = KBlock<8, 4, kLanes>;

  static void expand(const uint8_t* const* rows, Block& out) {
    const auto chunk = [](const uint8_t* blk, int c) { return K::chunk(blk, c); };
    for (int c = 0; c < 8; ++c) store_steps<kLanes>(rows, c, out.q[0] + 8 * c, chunk);
    for (int l = 0; l < kLanes; ++l) {
      uint8_t sc[8] = {}, m[8] = {};
      uint16_t d = 0, dmin = 0;
      if (rows[l]) {
        const auto* blk = reinterpret_cast<const BlockQ4_K*>(rows[l]);  // Q5_K: same prefix
        for (int s = 0; s < 8; ++s) unpack_scale_min_k4(s, blk->scales, &sc[s], &m[s]);
        d = blk->d;
        dmin = blk->dmin;
      }
      for (int s = 0; s < 8; ++s) out.scale[s][l] = int16_pair(sc[s], sc[s]);
      for (int k = 0; k < 4; ++k) out.pair[k][l] = int16_pair(m[2 * k], m[2 * k + 1]);
      out.d[l] = rows[l] ? fp16_load(d) : 0.0f;
      out.negdmin[l] = rows[l] ? -fp16_load(dmin) : 0.0f;
    }
  }
};

// Q6_K: 16 sub-blocks of 16 with int8 scales, values q in 0..63 (value q - 32: the -32·scale·Σa
// offset goes into the integer sum through the Q8_K bsums, two sub-blocks per pair).
template <class Ops>
struct Q6Prefill {
  using Act = ActQ8_K;
  static constexpr int kLanes = Ops::kLanes;
  static constexpr int kBlock = kQK_K;
  static constexpr size_t kBlockBytes = sizeof(BlockQ6_K);
  static constexpr int kPlanes = 1;
  static constexpr int kSubs = 16;
  static constexpr int kSubSteps = 4;
  static constexpr int kSumSteps = 2;
  static constexpr bool kMins = false;
  static constexpr int kPairs = 8;
  using Block = KBlock<16, 8, kLanes>;

  static void expand(const uint8_t* const* rows, Block& out) {
    const auto chunk = [](const uint8_t* blk, int c) { return Q6Raw::chunk(blk, c); };
    for (int c = 0; c < 8; ++c) store_steps<kLanes>(rows, c, out.q[0] + 8 * c, chunk);
    for (int l = 0; l < kLanes; ++l) {
      const auto* blk = reinterpret_cast<const BlockQ6_K*>(rows[l]);
      for (int s = 0; s < 16; ++s) {
        const int sc = blk ? blk->scales[s] : 0;
        out.scale[s][l] = int16_pair(sc, sc);
      }
      for (int k = 0; k < 8; ++k)
        out.pair[k][l] =
            blk ? int16_pair(-32 * blk->scales[2 * k], -32 * blk->scales[2 * k + 1]) : 0;
      out.d[l] = blk ? fp16_load(blk->d) : 0.0f;
      out.negdmin[l] = 0.0f;
    }
  }
};

// The exact integer sums of one scale block for RV panels × T tokens (xq[j]: token j's values of
// this block), added to isum (seeded by the caller).
template <class P, class Ops, int RV, int T>
__attribute__((always_inline)) inline void block_sums(const typename P::Block* const* pb,
                                                      const int8_t* const* xq,
                                                      typename Ops::V (*isum)[T]) {
  using V = typename Ops::V;
  if constexpr (Ops::kFused && P::kBlock == kQK) {
#pragma GCC unroll 8
    for (int g = 0; g < P::kSubSteps; ++g) {
      V w[RV];
      for (int i = 0; i < RV; ++i) w[i] = Ops::load(pb[i]->q[0][g]);
      for (int j = 0; j < T; ++j) {
        const V a = Ops::broadcast32(xq[j] + 4 * g);
        for (int i = 0; i < RV; ++i) {
          isum[i][j] = Ops::dot(isum[i][j], w[i], a);
          pin(isum[i][j]);
        }
      }
    }
  } else {
#pragma GCC unroll 16
    for (int sub = 0; sub < P::kSubs; ++sub) {
      for (int p = 0; p < P::kPlanes; ++p) {
        V scale[RV];
        for (int i = 0; i < RV; ++i) {
          if constexpr (P::kSubs > 1) {
            scale[i] = Ops::load(pb[i]->scale[sub]);
          } else {
            scale[i] = P::plane_scale(p);
          }
        }
#pragma GCC unroll 8
        for (int c = 0; c < P::kSubSteps / P::kSumSteps; ++c) {
          V s16[RV][T];
#pragma GCC unroll 8
          for (int g = 0; g < P::kSumSteps; ++g) {
            const int step = sub * P::kSubSteps + c * P::kSumSteps + g;
            V w[RV];
            for (int i = 0; i < RV; ++i) w[i] = Ops::load(pb[i]->q[p][step]);
            for (int j = 0; j < T; ++j) {
              const V a = Ops::broadcast32(xq[j] + 4 * step);
              for (int i = 0; i < RV; ++i) {
                const V prod = Ops::maddubs(w[i], a);
                s16[i][j] = g == 0 ? prod : Ops::add16(s16[i][j], prod);
                if (g + 1 < P::kSumSteps) pin(s16[i][j]);
              }
            }
          }
          for (int i = 0; i < RV; ++i)
            for (int j = 0; j < T; ++j) {
              isum[i][j] = Ops::widen(isum[i][j], s16[i][j], scale[i]);
              pin(isum[i][j]);
            }
        }
      }
    }
  }
}

// RV panels × T tokens over every scale block; acc[i][j] lane l: row kLanes·i + l, token j.
template <class P, class Ops, int RV, int T>
void tile(const typename P::Block* const* panels, int64_t nb, const uint8_t* const* x,
          const uint8_t* const* sums, typename Ops::F (*acc)[T]) {
  using Act = typename P::Act;
  using V = typename Ops::V;
  using F = typename Ops::F;
  for (int i = 0; i < RV; ++i)
    for (int j = 0; j < T; ++j) acc[i][j] = Ops::zero_f();
  for (int64_t b = 0; b < nb; ++b) {
    const typename P::Block* pb[RV];
    for (int i = 0; i < RV; ++i) pb[i] = panels[i] + b;
    const int8_t* xq[T];
    float da[T];
    int32_t seed[T];
    for (int j = 0; j < T; ++j) {
      const uint8_t* blk = x[j] + static_cast<size_t>(b) * Act::kBlockBytes;
      xq[j] = reinterpret_cast<const int8_t*>(blk + Act::kQs);
      if constexpr (P::kBlock == kQK) {
        // Legacy: -(2^kShift)·Σa of the token's block, and its scale, from the sums.
        const auto* s = reinterpret_cast<const ActSumsQ8_0*>(sums[j]) + b;
        da[j] = s->d;
        seed[j] = -s->sum * (int32_t{1} << P::kOffsetShift);
      } else {
        da[j] = reinterpret_cast<const BlockQ8_K*>(blk)->d;
        seed[j] = 0;
      }
    }
    V isum[RV][T];
    for (int i = 0; i < RV; ++i)
      for (int j = 0; j < T; ++j) isum[i][j] = Ops::set1_32(seed[j]);
    block_sums<P, Ops, RV, T>(pb, xq, isum);
    V msum[RV][T];
    if constexpr (P::kPairs > 0) {
      // Q4_K/Q5_K: Σ m·Σa over the sub-blocks into msum; Q6_K: -32·Σ s·bsum into isum.
      for (int i = 0; i < RV; ++i)
        for (int j = 0; j < T; ++j) msum[i][j] = Ops::set1_32(0);
      for (int k = 0; k < P::kPairs; ++k) {
        for (int j = 0; j < T; ++j) {
          const auto* q8k = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
          const auto* sum32 = reinterpret_cast<const ActSumsQ8_K*>(sums[j]) + b;
          const V a = Ops::broadcast32(P::kMins ? sum32->sum32 + 2 * k : q8k->bsums + 2 * k);
          for (int i = 0; i < RV; ++i) {
            const V pair = Ops::load(pb[i]->pair[k]);
            if constexpr (P::kMins) {
              msum[i][j] = Ops::widen(msum[i][j], pair, a);
            } else {
              isum[i][j] = Ops::widen(isum[i][j], pair, a);
            }
          }
        }
      }
    }
    for (int i = 0; i < RV; ++i) {
      const F d = Ops::load_f(pb[i]->d);
      for (int j = 0; j < T; ++j) {
        F t = Ops::mul(Ops::cvt(isum[i][j]), d);
        if constexpr (P::kMins)
          t = Ops::fmadd(Ops::cvt(msum[i][j]), Ops::load_f(pb[i]->negdmin), t);
        acc[i][j] = Ops::fmadd(t, Ops::set1_f(da[j]), acc[i][j]);
      }
    }
  }
}

// Block b of weight row r, row-major or in the packed panel layout.
struct WeightBlocks {
  const uint8_t* w;
  size_t row_bytes;
  size_t block_bytes;
  int64_t rows;
  bool packed;

  const uint8_t* at(int64_t r, int64_t b) const {
    if (!packed)
      return w + static_cast<size_t>(r) * row_bytes + static_cast<size_t>(b) * block_bytes;
    const int64_t p0 = r - r % kPanelRows;
    const int64_t height = rows - p0 < kPanelRows ? rows - p0 : kPanelRows;
    return w + static_cast<size_t>(p0) * row_bytes +
           static_cast<size_t>(b * height + (r - p0)) * block_bytes;
  }
};

// Runs an RV × T tile at tokens [t, t + T) and stores the lanes of rows [r, r_end).
template <class P, class Ops, int RV, int T>
void run_prefill_tile(const PrefillOperands& op, const typename P::Block* const* panels, int64_t nb,
                      int64_t r, int64_t r_end, int64_t t) {
  const uint8_t* x[T];
  const uint8_t* sums[T];
  for (int j = 0; j < T; ++j) {
    x[j] = op.x + static_cast<size_t>(t + j) * op.x_row_bytes;
    sums[j] = op.x_sums + static_cast<size_t>(t + j) * op.x_sums_row_bytes;
  }
  typename Ops::F acc[RV][T];
  tile<P, Ops, RV, T>(panels, nb, x, sums, acc);
  for (int i = 0; i < RV; ++i) {
    const int64_t row = r + Ops::kLanes * i;
    if (row >= r_end) break;
    const int64_t count = r_end - row < Ops::kLanes ? r_end - row : Ops::kLanes;
    for (int j = 0; j < T; ++j) Ops::store(op.y + (t + j) * op.y_stride + row, acc[i][j], count);
  }
}

// The PrefillFn of policy P with RV × T tiles: token blocks that stay in L2, and for each, the
// thread's rows RV panels at a time, expanded into the thread's scratch, then every token tile.
template <class P, class Ops, int RV, int T>
void prefill(const PrefillOperands& op, int64_t r0, int64_t r1, uint8_t* scratch_bytes) {
  using Block = typename P::Block;
  constexpr int kLanes = Ops::kLanes;
  static_assert(RV * kLanes <= kPrefillPanelRows &&
                sizeof(Block) <= kPrefillScratchBytesPerWeight * kLanes * P::kBlock);
  const int64_t nb = op.n / P::kBlock;
  Block* scratch = reinterpret_cast<Block*>(scratch_bytes);
  const Block* panels[RV];
  for (int i = 0; i < RV; ++i) panels[i] = scratch + i * nb;
  const WeightBlocks blocks{op.w, op.w_row_bytes, P::kBlockBytes, op.rows, op.packed};
  int64_t t_block =
      static_cast<int64_t>(kPrefillActivationBytes / (op.x_row_bytes + op.x_sums_row_bytes));
  t_block = t_block < T ? T : t_block - t_block % T;
  for (int64_t t0 = 0; t0 < op.n_tok; t0 += t_block) {
    const int64_t t1 = t0 + t_block < op.n_tok ? t0 + t_block : op.n_tok;
    for (int64_t r = r0; r < r1; r += RV * kLanes) {
      for (int i = 0; i < RV; ++i) {
        for (int64_t b = 0; b < nb; ++b) {
          const uint8_t* rows[kLanes];
          for (int l = 0; l < kLanes; ++l) {
            const int64_t row = r + kLanes * i + l;
            rows[l] = row < r1 ? blocks.at(row, b) : nullptr;
          }
          P::expand(rows, scratch[static_cast<size_t>(i * nb + b)]);
        }
      }
      int64_t t = t0;
      for (; t + T <= t1; t += T) run_prefill_tile<P, Ops, RV, T>(op, panels, nb, r, r1, t);
      for (; t < t1; ++t) run_prefill_tile<P, Ops, RV, 1>(op, panels, nb, r, r1, t);
    }
  }
}

// The tile of policy P: one 16-lane panel × 8 tokens on 512-bit vectors (32 registers); on 256-bit
// ones (16 registers) 2 panels × 2 tokens, or 1 panel × 4 tokens where an int16 sum holds 2 steps
// or a block has two planes (Q6_K, Q8_0 at AVX2), whose extra widening sums leave too few
// registers for 2 panels (measured: Q6_K 6.2 -> 5.3 ms, Q8_0 11.4 -> 10.1 ms; Q4_0 4.6 -> 5.3 ms
// the other way, gemm/<type>/qwen3-0.6b/ffn_gate_up, 128 tokens, one thread, CPU time).
template <class P, class Ops>
struct PrefillTile {
  static constexpr bool kOnePanel = P::kSumSteps <= 2 || P::kPlanes > 1;
  static constexpr int kRV = Ops::kLanes == 8 && !kOnePanel ? 2 : 1;
  static constexpr int kT = Ops::kLanes == 16 ? 8 : kOnePanel ? 4 : 2;
};

// The PrefillFn of policy P.
template <class P, class Ops>
constexpr PrefillFn prefill_fn() {
  return prefill<P, Ops, PrefillTile<P, Ops>::kRV, PrefillTile<P, Ops>::kT>;
}

// Sets the prefill entries of Q4_0, Q5_0 and Q8_0.
template <class Ops>
void set_legacy_prefill(KernelTable& table) {
  table.types[static_cast<int>(GgmlType::Q4_0)].prefill =
      prefill_fn<LegacyPrefill<Q4_0Values, 3, 15, Ops>, Ops>();
  table.types[static_cast<int>(GgmlType::Q5_0)].prefill =
      prefill_fn<LegacyPrefill<Q5_0Values, 4, 31, Ops>, Ops>();
  table.types[static_cast<int>(GgmlType::Q8_0)].prefill =
      prefill_fn<LegacyPrefill<Q8_0Unsigned, 7, 255, Ops>, Ops>();
}

// Sets the prefill entries of Q4_K, Q5_K and Q6_K.
template <class Ops>
void set_k_prefill(KernelTable& table) {
  table.types[static_cast<int>(GgmlType::Q4_K)].prefill =
      prefill_fn<K4Prefill<Q4K, 15, Ops>, Ops>();
  table.types[static_cast<int>(GgmlType::Q5_K)].prefill =
      prefill_fn<K4Prefill<Q5K, 31, Ops>, Ops>();
  table.types[static_cast<int>(GgmlType::Q6_K)].prefill = prefill_fn<Q6Prefill<Ops>, Ops>();
}

}  // namespace
}  // namespace shoptalk::kernels::x86
