// The tiled prefill attention (kernels/simd/attention_tile.h) on 16 float lanes for the AVX-512
// level: 64 query rows in four vectors, register tiles of 24 accumulators (4 row vectors × 6
// columns) out of the 32 registers. Same formulation, so the same bits as the AVX2 and scalar ones.
#include <immintrin.h>

#include "kernels/scalar/scalar.h"
#include "kernels/simd/attention_tile.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86::avx512 {

namespace {

struct Avx512Ops {
  using V = __m512;
  static constexpr int kLanes = 16;
  static constexpr int kAccumulators = 24;
  static constexpr int kRegisterRows = 4;
  static constexpr __mmask16 kAll = 0xFFFF;
  static V load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, V v) { _mm512_storeu_ps(p, v); }
  static V splat(float x) { return _mm512_set1_ps(x); }
  static V bcast(const float* p) { return _mm512_set1_ps(*p); }
  static V fma(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm512_mul_ps(a, b); }
  static V add(V a, V b) { return _mm512_add_ps(a, b); }
  static V sub(V a, V b) { return _mm512_sub_ps(a, b); }
  // The zero-masking forms with every lane selected: the plain ones pass an undefined source that
  // GCC 12 reports as maybe-uninitialized.
  static V max(V a, V b) { return _mm512_maskz_max_ps(kAll, a, b); }
  static V select_lt(V x, V y, V a, V b) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(x, y, _CMP_LT_OQ), b, a);
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static V pow2(V z) {
    const __m512i bits = _mm512_maskz_slli_epi32(kAll, _mm512_castps_si512(z), 23);
    const __m512i one = _mm512_set1_epi32(static_cast<int>(attention_exp::kOneBits));
    return _mm512_castsi512_ps(_mm512_add_epi32(bits, one));
  }
};

}  // namespace

void attention_tile(const KernelTable& table, const AttentionTile& tile) {
  simd::attention_tile<Avx512Ops>(table, tile, scalar::attention_tile);
}

}  // namespace shoptalk::kernels::x86::avx512
