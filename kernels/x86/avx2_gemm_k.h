// GEMM/GEMV of the K-quants with Q8_K activations for the AVX2-family levels, over a level's dot
// step (avx2_int_dot.h). A super-block is walked in 8 chunks of 32 elements; a chunk's unsigned
// weight values meet the activations in maddubs pairs, weighted by the chunk's sub-block scales
// (as int16 lanes) into int32. Integer sums are exact per
// super-block and distributed over the 8 int32 lanes exactly like llama.cpp's AVX2 kernels (the
// lanes are converted and accumulated separately, so the distribution matters): the Q6_K -32
// offset and the Q4_K/Q5_K mins come from the activation bsums in ggml's order. Each level's
// <level>_gemm_k.cpp instantiates it with that level's flags.
#pragma once

#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "formats/blocks.h"
#include "kernels/kernels.h"
#include "kernels/x86/avx2_int_dot.h"
#include "kernels/x86/avx2_tile.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {
namespace {

// pshufb controls: kBroadcast16[c] copies int16 lane c of each 128-bit half to the whole half
// (K4 sub-block c); kBroadcastPair16[k] copies lane 2k to the low half and 2k+1 to the high half
// (the two Q6_K sub-blocks of chunk k). Constant-initialized: no code runs before dispatch.
#define ST_PAIR(lo, hi) lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi, lo, hi
#define ST_LANE(i) ST_PAIR(2 * (i), 2 * (i) + 1)
alignas(32) constexpr uint8_t kBroadcast16[8][32] = {
    {ST_LANE(0), ST_LANE(0)}, {ST_LANE(1), ST_LANE(1)}, {ST_LANE(2), ST_LANE(2)},
    {ST_LANE(3), ST_LANE(3)}, {ST_LANE(4), ST_LANE(4)}, {ST_LANE(5), ST_LANE(5)},
    {ST_LANE(6), ST_LANE(6)}, {ST_LANE(7), ST_LANE(7)}};
alignas(32) constexpr uint8_t kBroadcastPair16[4][32] = {{ST_LANE(0), ST_LANE(1)},
                                                         {ST_LANE(2), ST_LANE(3)},
                                                         {ST_LANE(4), ST_LANE(5)},
                                                         {ST_LANE(6), ST_LANE(7)}};
#undef ST_LANE
#undef ST_PAIR

// Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and mins (docs/formats.md).
struct K4Scales {
  __m256i scales;  // scale s as int16, both halves: s0..s7
  __m128i mins;    // 8 int16: m0..m7 (one per sub-block of 32)
  float d, dmin;
};

K4Scales unpack_k4(const uint8_t* blk) {
  uint16_t d, dmin;
  std::memcpy(&d, blk, 2);
  std::memcpy(&dmin, blk + 2, 2);
  uint32_t k[3];
  std::memcpy(k, blk + 4, 12);
  const uint32_t sc_lo = k[0] & 0x3F3F3F3Fu;
  const uint32_t m_lo = k[1] & 0x3F3F3F3Fu;
  const uint32_t sc_hi = (k[2] & 0x0F0F0F0Fu) | ((k[0] >> 2) & 0x30303030u);
  const uint32_t m_hi = ((k[2] >> 4) & 0x0F0F0F0Fu) | ((k[1] >> 2) & 0x30303030u);
  const __m128i packed = _mm_set_epi32(static_cast<int>(m_hi), static_cast<int>(m_lo),
                                       static_cast<int>(sc_hi), static_cast<int>(sc_lo));
  const __m128i sc16 = _mm_cvtepu8_epi16(packed);
  const __m128i m16 = _mm_cvtepu8_epi16(_mm_srli_si128(packed, 8));
  K4Scales s;
  s.scales = _mm256_broadcastsi128_si256(sc16);
  s.mins = m16;
  s.d = fp16_load(d);
  s.dmin = fp16_load(dmin);
  return s;
}

// Q4_K: chunk c holds the low (c even) or high (c odd) nibbles of qs bytes 32·(c/2)...
struct Q4K {
  static constexpr size_t kBytes = sizeof(BlockQ4_K);
  static constexpr bool kScalarMins = false;
  using Row = K4Scales;
  static Row prepare(const uint8_t* blk) { return unpack_k4(blk); }
  static __m256i chunk(const uint8_t* blk, int c) {
    const __m256i raw = load256(blk + 16 + 32 * (c / 2));
    const __m256i q = (c & 1) ? _mm256_srli_epi16(raw, 4) : raw;
    return _mm256_and_si256(q, _mm256_set1_epi8(0x0F));
  }
  static __m256i chunk_scale(const uint8_t*, const Row& row, int c) {
    return _mm256_shuffle_epi8(row.scales, load256(kBroadcast16[c]));
  }
};

// Q5_K: as Q4_K plus bit c of qh[l] as the fifth bit of element 32c + l.
struct Q5K {
  static constexpr size_t kBytes = sizeof(BlockQ5_K);
  static constexpr bool kScalarMins = true;
  using Row = K4Scales;
  static Row prepare(const uint8_t* blk) { return unpack_k4(blk); }
  static __m256i chunk(const uint8_t* blk, int c) {
    const __m256i raw = load256(blk + 48 + 32 * (c / 2));
    const __m256i low =
        _mm256_and_si256((c & 1) ? _mm256_srli_epi16(raw, 4) : raw, _mm256_set1_epi8(0x0F));
    const __m256i qh = load256(blk + 16);
    const __m256i bit = _mm256_set1_epi8(static_cast<char>(1 << c));
    const __m256i high =
        _mm256_and_si256(_mm256_cmpeq_epi8(_mm256_and_si256(qh, bit), bit), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(low, high);
  }
  static __m256i chunk_scale(const uint8_t*, const Row& row, int c) {
    return _mm256_shuffle_epi8(row.scales, load256(kBroadcast16[c]));
  }
};

// The 8 chunks of a K-quant block as the tile's inner loop consumes them: the values as bytes and
// each chunk's scale vector. Prefill unpacks a row once per activation block into this form and
// runs every token tile over it.
struct UnpackedChunks {
  uint8_t q[8][32];
  int16_t scale[8][16];
};

// Unpacks the chunks of a raw block through its policy K.
template <class K>
void unpack_chunks(const uint8_t* blk, const typename K::Row& row, UnpackedChunks& out) {
  for (int c = 0; c < 8; ++c) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.q[c]), K::chunk(blk, c));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out.scale[c]), K::chunk_scale(blk, row, c));
  }
}

// The chunk accessors of a policy over unpacked blocks (a Block starts with its UnpackedChunks).
template <class Block>
struct UnpackedPolicy {
  static constexpr size_t kBytes = sizeof(Block);
  static __m256i chunk(const uint8_t* blk, int c) {
    return load256(reinterpret_cast<const Block*>(blk)->chunks.q[c]);
  }
  template <class Row>
  static __m256i chunk_scale(const uint8_t* blk, const Row&, int c) {
    return load256(reinterpret_cast<const Block*>(blk)->chunks.scale[c]);
  }
};

// A Q4_K or Q5_K block unpacked: its chunks, mins and super-block scales.
struct K4DecodedBlock {
  UnpackedChunks chunks;
  int16_t mins[8];
  float d, dmin;
};

template <bool ScalarMins>
struct K4Decoded : UnpackedPolicy<K4DecodedBlock> {
  static constexpr bool kScalarMins = ScalarMins;
  using Row = K4Scales;
  static Row prepare(const uint8_t* blk) {
    const auto* dec = reinterpret_cast<const K4DecodedBlock*>(blk);
    Row row;
    row.mins = _mm_loadu_si128(reinterpret_cast<const __m128i*>(dec->mins));
    row.d = dec->d;
    row.dmin = dec->dmin;
    return row;
  }
};

// The integer part of every K-quant tile: per int32 lane, Σ over the block's 8 chunks of
// scale·(q·a) for R rows × T tokens (the level's dot_scaled step with the chunk's scale vector).
template <class K, class Dot, int R, int T>
__attribute__((always_inline)) inline void chunk_sums(const uint8_t* const* blk,
                                                      const typename K::Row* row,
                                                      const BlockQ8_K* const* a,
                                                      __m256i (*isum)[T]) {
  for (int i = 0; i < R; ++i)
    for (int j = 0; j < T; ++j) isum[i][j] = _mm256_setzero_si256();
#pragma GCC unroll 8
  for (int c = 0; c < 8; ++c) {
    __m256i q[R], s[R];
    for (int i = 0; i < R; ++i) {
      q[i] = K::chunk(blk[i], c);
      s[i] = K::chunk_scale(blk[i], row[i], c);
    }
    for (int j = 0; j < T; ++j) {
      const __m256i av = load256(a[j]->qs + 32 * c);
      for (int i = 0; i < R; ++i) {
        isum[i][j] = Dot::dot_scaled(isum[i][j], q[i], av, s[i]);
        // Keeps each sum in its register chunk by chunk: GCC otherwise reassociates the AVX2
        // integer adds across the unrolled chunks and parks every product on the stack.
        __asm__("" : "+v"(isum[i][j]));
      }
    }
  }
}

template <class K, class Dot>
struct K4Kernel {
  static constexpr int kBlock = kQK_K;
  static constexpr size_t kBlockBytes = K::kBytes;
  static constexpr int kGemvRows = 4;
  static constexpr int kRows = 1;
  static constexpr int kToks = 6;

  // The kernel over decoded blocks (K4DecodedBlock), and the decoding of one weight block.
  using Decoded = K4Kernel<K4Decoded<K::kScalarMins>, Dot>;
  static void decode(const uint8_t* blk, uint8_t* out) {
    K4DecodedBlock dec;
    const K4Scales row = K::prepare(blk);
    unpack_chunks<K>(blk, row, dec.chunks);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(dec.mins), row.mins);
    dec.d = row.d;
    dec.dmin = row.dmin;
    std::memcpy(out, &dec, sizeof dec);
  }

  // llama.cpp's AVX2 order: d·Σ (per int32 lane) into 8 float lanes with FMA; the mins term
  // -dmin·Σ m·(sub-block sum of a) as 4 int32 lanes (pairs of sub-blocks) folded by FMA into 4
  // float lanes (Q4_K) or, summed as an integer, into one float (Q5_K); added after the lanes.
  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, size_t stride, const uint8_t* const* x,
                   size_t ahead, float (*out)[T]) {
    __m256 acc[R][T];
    __m128 acc_m[R][T];
    float summs[R][T];
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) {
        acc[i][j] = _mm256_setzero_ps();
        acc_m[i][j] = _mm_setzero_ps();
        summs[i][j] = 0.0f;
      }
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk[R];
      typename K::Row row[R];
      for (int i = 0; i < R; ++i) {
        blk[i] = w[i] + static_cast<size_t>(b) * stride;
        if (T == 1) prefetch_block(blk[i], K::kBytes, ahead);
        row[i] = K::prepare(blk[i]);
      }
      const BlockQ8_K* a[T];
      for (int j = 0; j < T; ++j) a[j] = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
      __m256i isum[R][T];
      chunk_sums<K, Dot, R, T>(blk, row, a, isum);
      for (int j = 0; j < T; ++j) {
        const __m128i sub_sums =
            _mm_hadd_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(a[j]->bsums)),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(a[j]->bsums + 8)));
        for (int i = 0; i < R; ++i) {
          const float d = a[j]->d * row[i].d;
          const float dmin = -a[j]->d * row[i].dmin;
          const __m128i prod = _mm_madd_epi16(row[i].mins, sub_sums);
          if (K::kScalarMins) {
            __m128i t = _mm_hadd_epi32(prod, prod);
            t = _mm_hadd_epi32(t, t);
            const float m = static_cast<float>(_mm_cvtsi128_si32(t));
            summs[i][j] = std::fma(dmin, m, summs[i][j]);  // GCC-contracted in llama.cpp
          } else {
            acc_m[i][j] = _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), acc_m[i][j]);
          }
          acc[i][j] = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(isum[i][j]), acc[i][j]);
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) {
        if (K::kScalarMins) {
          out[i][j] = hsum(acc[i][j]) + summs[i][j];
        } else {
          __m128 m = acc_m[i][j];
          m = _mm_add_ps(m, _mm_movehl_ps(m, m));
          m = _mm_add_ss(m, _mm_movehdup_ps(m));
          out[i][j] = hsum(acc[i][j]) + _mm_cvtss_f32(m);
        }
      }
  }
};

// Q6_K: 16 sub-blocks of 16 with int8 scales; values q ∈ [0, 63] taken as unsigned and the
// -32 offset subtracted as 32·Σ scale·bsum. Chunk c = 32 elements starting at 32c, whose two
// sub-blocks' scales fill the low and high halves of its scale vector. As in llama.cpp's AVX2
// ggml_vec_dot_q6_K_q8_K, int32 lane l holds bytes 4l..4l+3 of every chunk's Σ scale·q·a minus
// 32·(scale·bsum of sub-blocks 2l and 2l+1), and is converted only then.
struct Q6Scales {
  __m256i scales16;  // the 16 sub-block scales as int16
  float d;
};

struct Q6Raw {
  static constexpr size_t kBytes = sizeof(BlockQ6_K);
  using Row = Q6Scales;
  static Row prepare(const uint8_t* blk) {
    const auto* q6 = reinterpret_cast<const BlockQ6_K*>(blk);
    return {_mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(q6->scales))),
            fp16_load(q6->d)};
  }
  static __m256i chunk(const uint8_t* blk, int c) {
    const auto* q6 = reinterpret_cast<const BlockQ6_K*>(blk);
    const int half = c / 4, k = c % 4;
    const __m256i ql = load256(q6->ql + 64 * half + 32 * (k & 1));
    const __m256i qh = load256(q6->qh + 32 * half);
    const __m256i lo =
        _mm256_and_si256(k < 2 ? ql : _mm256_srli_epi16(ql, 4), _mm256_set1_epi8(0x0F));
    __m256i hi;
    switch (k) {
      case 0:
        hi = _mm256_slli_epi16(qh, 4);
        break;
      case 1:
        hi = _mm256_slli_epi16(qh, 2);
        break;
      case 2:
        hi = qh;
        break;
      default:
        hi = _mm256_srli_epi16(qh, 2);
        break;
    }
    return _mm256_or_si256(lo, _mm256_and_si256(hi, _mm256_set1_epi8(0x30)));
  }
  static __m256i chunk_scale(const uint8_t*, const Row& row, int c) {
    // The 8 scales of this half as int16 in both 128-bit halves, then the chunk's pair.
    const __m256i half = c < 4 ? _mm256_permute4x64_epi64(row.scales16, 0x44)
                               : _mm256_permute4x64_epi64(row.scales16, 0xEE);
    return _mm256_shuffle_epi8(half, load256(kBroadcastPair16[c % 4]));
  }
};

// A Q6_K block unpacked: its chunks, the 16 sub-block scales (for the -32 offset) and d.
struct Q6DecodedBlock {
  UnpackedChunks chunks;
  int16_t scales16[16];
  float d;
};

struct Q6Decoded : UnpackedPolicy<Q6DecodedBlock> {
  using Row = Q6Scales;
  static Row prepare(const uint8_t* blk) {
    const auto* dec = reinterpret_cast<const Q6DecodedBlock*>(blk);
    return {load256(dec->scales16), dec->d};
  }
};

template <class K, class Dot>
struct Q6Kernel {
  static constexpr int kBlock = kQK_K;
  static constexpr size_t kBlockBytes = K::kBytes;
  static constexpr int kGemvRows = 4;
  static constexpr int kRows = 1;
  static constexpr int kToks = 6;

  using Decoded = Q6Kernel<Q6Decoded, Dot>;
  static void decode(const uint8_t* blk, uint8_t* out) {
    Q6DecodedBlock dec;
    const Q6Scales row = K::prepare(blk);
    unpack_chunks<K>(blk, row, dec.chunks);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(dec.scales16), row.scales16);
    dec.d = row.d;
    std::memcpy(out, &dec, sizeof dec);
  }

  template <int R, int T>
  static void tile(int64_t nb, const uint8_t* const* w, size_t stride, const uint8_t* const* x,
                   size_t ahead, float (*out)[T]) {
    __m256 acc[R][T];
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) acc[i][j] = _mm256_setzero_ps();
    for (int64_t b = 0; b < nb; ++b) {
      const uint8_t* blk[R];
      typename K::Row row[R];
      for (int i = 0; i < R; ++i) {
        blk[i] = w[i] + static_cast<size_t>(b) * stride;
        if (T == 1) prefetch_block(blk[i], K::kBytes, ahead);
        row[i] = K::prepare(blk[i]);
      }
      const BlockQ8_K* a[T];
      for (int j = 0; j < T; ++j) a[j] = reinterpret_cast<const BlockQ8_K*>(x[j]) + b;
      __m256i isum[R][T];
      chunk_sums<K, Dot, R, T>(blk, row, a, isum);
      for (int j = 0; j < T; ++j) {
        const __m256i bsums = load256(a[j]->bsums);
        for (int i = 0; i < R; ++i) {
          const __m256i offset = _mm256_slli_epi32(_mm256_madd_epi16(bsums, row[i].scales16), 5);
          const __m256i sum = _mm256_sub_epi32(isum[i][j], offset);
          const __m256 d = _mm256_set1_ps(a[j]->d * row[i].d);
          acc[i][j] = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sum), acc[i][j]);
        }
      }
    }
    for (int i = 0; i < R; ++i)
      for (int j = 0; j < T; ++j) out[i][j] = hsum(acc[i][j]);
  }
};

// Fills the Q4_K, Q5_K and Q6_K entries (vec_dot, GEMM, packed GEMM) with the kernels over the
// level's dot step.
template <class Dot>
void set_k(KernelTable& table) {
  set_type<K4Kernel<Q4K, Dot>>(table, GgmlType::Q4_K, true);
  set_type<K4Kernel<Q5K, Dot>>(table, GgmlType::Q5_K, true);
  set_type<Q6Kernel<Q6Raw, Dot>>(table, GgmlType::Q6_K, true);
}

}  // namespace
}  // namespace shoptalk::kernels::x86
