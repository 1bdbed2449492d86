// The tiled prefill attention (kernels/simd/attention_tile.h) on 8 float lanes: 64 query rows in
// eight vectors, register tiles of 12 accumulators (4 row vectors × 3 columns) out of the 16
// registers.
#include <immintrin.h>

#include "kernels/scalar/scalar.h"
#include "kernels/simd/attention_tile.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {

struct Avx2Ops {
  using V = __m256;
  static constexpr int kLanes = 8;
  static constexpr int kAccumulators = 12;
  static constexpr int kRegisterRows = 4;
  static V load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, V v) { _mm256_storeu_ps(p, v); }
  static V splat(float x) { return _mm256_set1_ps(x); }
  static V bcast(const float* p) { return _mm256_broadcast_ss(p); }
  static V fma(V a, V b, V c) { return _mm256_fmadd_ps(a, b, c); }
  static V mul(V a, V b) { return _mm256_mul_ps(a, b); }
  static V add(V a, V b) { return _mm256_add_ps(a, b); }
  static V sub(V a, V b) { return _mm256_sub_ps(a, b); }
  static V max(V a, V b) { return _mm256_max_ps(a, b); }
  static V select_lt(V x, V y, V a, V b) {
    return _mm256_blendv_ps(b, a, _mm256_cmp_ps(x, y, _CMP_LT_OQ));
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static V pow2(V z) {
    const __m256i bits = _mm256_slli_epi32(_mm256_castps_si256(z), 23);
    const __m256i one = _mm256_set1_epi32(static_cast<int>(attention_exp::kOneBits));
    return _mm256_castsi256_ps(_mm256_add_epi32(bits, one));
  }
};

}  // namespace

void attention_tile(const KernelTable& table, const AttentionTile& tile) {
  simd::attention_tile<Avx2Ops>(table, tile, scalar::attention_tile);
}

}  // namespace shoptalk::kernels::x86
