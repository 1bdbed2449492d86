// AVX2 activation conversion, bit-identical to the scalar table: Q8_0/Q8_1 with id = 127/amax and
// round-half-even (_mm256_round_ps), Q8_K per docs/formats.md, rne fp16 (F16C) and bf16;
// the prefill side sums of Q8_0/Q8_K rows; and the KV-cache rows back to float.
#include <immintrin.h>

#include <cmath>
#include <cstring>

#include "formats/blocks.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {

namespace {

// A function, not a constant: nothing in these files may run during static initialization.
__m256 abs_ps(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF)));
}

float max_lane(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  return _mm_cvtss_f32(m);
}

// 32 floats times id, rounded half to even, as 32 int8 in element order (saturating); returns
// the sum of the rounded values.
int round_pack32(const float* x, __m256 id, int8_t* out) {
  __m256i q[4];
  for (int k = 0; k < 4; ++k) {
    const __m256 v = _mm256_mul_ps(_mm256_loadu_ps(x + 8 * k), id);
    q[k] = _mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
  }
  const __m256i sum32 =
      _mm256_add_epi32(_mm256_add_epi32(q[0], q[1]), _mm256_add_epi32(q[2], q[3]));
  __m128i s = _mm_add_epi32(_mm256_castsi256_si128(sum32), _mm256_extracti128_si256(sum32, 1));
  s = _mm_hadd_epi32(s, s);
  s = _mm_hadd_epi32(s, s);
  const __m256i p16a = _mm256_packs_epi32(q[0], q[1]);
  const __m256i p16b = _mm256_packs_epi32(q[2], q[3]);
  const __m256i p8 = _mm256_packs_epi16(p16a, p16b);
  const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_permutevar8x32_epi32(p8, order));
  return _mm_cvtsi128_si32(s);
}

// Q8_0 block: returns the fp32 scale d; qs written, sum of the quants in *sum.
float quantize_block_q8(const float* x, int8_t* qs, int* sum) {
  __m256 amax = _mm256_setzero_ps();
  for (int k = 0; k < 4; ++k) amax = _mm256_max_ps(amax, abs_ps(_mm256_loadu_ps(x + 8 * k)));
  const float m = max_lane(amax);
  const float id = m != 0.0f ? 127.0f / m : 0.0f;
  *sum = round_pack32(x, _mm256_set1_ps(id), qs);
  return m / 127.0f;
}

}  // namespace

void from_float_f16(const float* x, void* dst, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(y + i), h);
  }
  for (; i < n; ++i) y[i] = fp16_store(x[i]);
}

void from_float_bf16(const float* x, void* dst, int64_t n) {
  uint16_t* y = static_cast<uint16_t*>(dst);
  const __m256i one = _mm256_set1_epi32(1);
  const __m256i bias = _mm256_set1_epi32(0x7FFF);
  const __m256i inf = _mm256_set1_epi32(0x7F800000);
  const __m256i abs_mask = _mm256_set1_epi32(0x7FFFFFFF);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256i h[2];
    for (int k = 0; k < 2; ++k) {
      const __m256i u = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 8 * k));
      const __m256i odd = _mm256_and_si256(_mm256_srli_epi32(u, 16), one);
      const __m256i rounded =
          _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(u, bias), odd), 16);
      const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
      const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, abs_mask), inf);
      h[k] = _mm256_blendv_epi8(rounded, quiet, is_nan);
    }
    const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(h[0], h[1]), 0xD8);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), packed);
  }
  for (; i < n; ++i) {
    uint32_t u;
    std::memcpy(&u, x + i, sizeof u);
    y[i] = (u & 0x7FFFFFFFu) > 0x7F800000u
               ? static_cast<uint16_t>((u >> 16) | 0x40u)
               : static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
  }
}

void quantize_row_q8_0(const float* x, void* dst, int64_t n) {
  BlockQ8_0* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sum;
    y[b].d = fp16_store(quantize_block_q8(x + b * kQK, y[b].qs, &sum));
  }
}

void quantize_row_q8_1(const float* x, void* dst, int64_t n) {
  BlockQ8_1* y = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / kQK; ++b) {
    int sum;
    const float d = quantize_block_q8(x + b * kQK, y[b].qs, &sum);
    y[b].d = fp16_store(d);
    y[b].s = fp16_store(d * static_cast<float>(sum));
  }
}

void quantize_row_q8_k(const float* x, void* dst, int64_t n) {
  BlockQ8_K* y = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float* xb = x + b * kQK_K;
    __m256 amax_v = _mm256_setzero_ps();
    for (int k = 0; k < kQK_K; k += 8)
      amax_v = _mm256_max_ps(amax_v, abs_ps(_mm256_loadu_ps(xb + k)));
    const float amax = max_lane(amax_v);
    if (amax == 0.0f) {
      std::memset(&y[b], 0, sizeof y[b]);
      continue;
    }
    // The first element of largest magnitude, sign kept.
    const __m256 target = _mm256_set1_ps(amax);
    int first = 0;
    for (int k = 0; k < kQK_K; k += 8) {
      const __m256 hit = _mm256_cmp_ps(abs_ps(_mm256_loadu_ps(xb + k)), target, _CMP_EQ_OQ);
      const int mask = _mm256_movemask_ps(hit);
      if (mask) {
        first = k + __builtin_ctz(static_cast<unsigned>(mask));
        break;
      }
    }
    const float iscale = -127.0f / xb[first];
    const __m256 iv = _mm256_set1_ps(iscale);
    for (int k = 0; k < kQK_K; k += 32) round_pack32(xb + k, iv, y[b].qs + k);
    // |iscale·x| <= 127 up to rounding; the saturating packs clamp like the reference's min(127).
    for (int g = 0; g < kQK_K / 16; ++g) {
      const __m256i v16 =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(y[b].qs + 16 * g)));
      const __m256i v32 = _mm256_madd_epi16(v16, _mm256_set1_epi16(1));
      __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v32), _mm256_extracti128_si256(v32, 1));
      s = _mm_hadd_epi32(s, s);
      s = _mm_hadd_epi32(s, s);
      y[b].bsums[g] = static_cast<int16_t>(_mm_cvtsi128_si32(s));
    }
    y[b].d = 1.0f / iscale;
  }
}

void act_sums_q8_0(const void* act_row, void* sums, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(act_row);
  auto* out = static_cast<ActSumsQ8_0*>(sums);
  const __m256i ones8 = _mm256_set1_epi8(1);
  const __m256i ones16 = _mm256_set1_epi16(1);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256i pairs = _mm256_maddubs_epi16(ones8, load256(blocks[b].qs));
    const __m256i quads = _mm256_madd_epi16(pairs, ones16);
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(quads), _mm256_extracti128_si256(quads, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    out[b] = {fp16_load(blocks[b].d), _mm_cvtsi128_si32(s)};
  }
}

void act_sums_q8_k(const void* act_row, void* sums, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_K*>(act_row);
  auto* out = static_cast<ActSumsQ8_K*>(sums);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const __m128i* bsums = reinterpret_cast<const __m128i*>(blocks[b].bsums);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out[b].sum32),
                     _mm_hadd_epi16(_mm_loadu_si128(bsums), _mm_loadu_si128(bsums + 1)));
  }
}

void to_float_f16(const void* src, float* y, int64_t n) {
  const uint16_t* x = static_cast<const uint16_t*>(src);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x + i))));
  for (; i < n; ++i) y[i] = fp16_load(x[i]);
}

void to_float_q8_0(const void* src, float* y, int64_t n) {
  const BlockQ8_0* x = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256 d = _mm256_set1_ps(fp16_load(x[b].d));
    for (int k = 0; k < 4; ++k) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(x[b].qs + 8 * k));
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      _mm256_storeu_ps(y + b * kQK + 8 * k, _mm256_mul_ps(v, d));
    }
  }
}

void to_float_q4_0(const void* src, float* y, int64_t n) {
  const BlockQ4_0* x = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kQK; ++b) {
    const __m256 d = _mm256_set1_ps(fp16_load(x[b].d));
    alignas(32) int8_t q[kQK];
    _mm256_store_si256(reinterpret_cast<__m256i*>(q),
                       _mm256_sub_epi8(unpack_nibbles16(x[b].qs), _mm256_set1_epi8(8)));
    for (int k = 0; k < 4; ++k) {
      const __m128i q8 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(q + 8 * k));
      const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(q8));
      _mm256_storeu_ps(y + b * kQK + 8 * k, _mm256_mul_ps(v, d));
    }
  }
}

}  // namespace shoptalk::kernels::x86
