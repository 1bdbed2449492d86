// AVX2 dot products of F32/F16/BF16 weight rows with activations of the same type: 32 products
// per step into 4 float accumulators with FMA (F16C widens fp16, a shift widens bf16), reduced in
// the order of llama.cpp's vec_dot for the type.
#include <immintrin.h>

#include <cstring>

#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_util.h"

namespace shoptalk::kernels::x86 {

namespace {

struct F32Load {
  static __m256 load(const void* p, int64_t i) {
    return _mm256_loadu_ps(static_cast<const float*>(p) + i);
  }
  static float at(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
};

struct F16Load {
  static __m256 load(const void* p, int64_t i) {
    const uint16_t* h = static_cast<const uint16_t*>(p) + i;
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
  }
  static float at(const void* p, int64_t i) {
    return fp16_load(static_cast<const uint16_t*>(p)[i]);
  }
};

struct BF16Load {
  static __m256 load(const void* p, int64_t i) {
    const uint16_t* h = static_cast<const uint16_t*>(p) + i;
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
  }
  static float at(const void* p, int64_t i) {
    const uint32_t bits = static_cast<uint32_t>(static_cast<const uint16_t*>(p)[i]) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
  }
};

// ggml's GGML_F32 reduction of one float vector: the two 128-bit halves added, then two
// horizontal adds: ((l0+l4)+(l1+l5)) + ((l2+l6)+(l3+l7)).
float hsum_hadd(__m256 v) {
  const __m128 t0 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 t1 = _mm_hadd_ps(t0, t0);
  return _mm_cvtss_f32(_mm_hadd_ps(t1, t1));
}

// F32/F16 rows in ggml's order: 32 products per step into 4 FMA accumulators, folded (0+2),
// (1+3), then (0+1), the lanes by hsum_hadd; a tail (never hit for the model shapes) in double.
template <class L>
float dot(int64_t n, const void* w, const void* a) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm256_fmadd_ps(L::load(w, i + 8 * k), L::load(a, i + 8 * k), acc[k]);
  const __m256 folded = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
  double sum = hsum_hadd(folded);
  for (; i < n; ++i) sum += static_cast<double>(L::at(w, i) * L::at(a, i));
  return static_cast<float>(sum);
}

// BF16 rows in ggml's AVX2 order: 4 accumulators of products (mul + add in ggml's source, which
// GCC's contraction fuses), folded (0+2) + (1+3), the lanes by hsum; a tail in double.
float dot_bf16(int64_t n, const void* w, const void* a) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm256_fmadd_ps(BF16Load::load(w, i + 8 * k), BF16Load::load(a, i + 8 * k), acc[k]);
  const __m256 folded = _mm256_add_ps(_mm256_add_ps(acc[0], acc[2]), _mm256_add_ps(acc[1], acc[3]));
  double sum = hsum(folded);
  for (; i < n; ++i) sum += static_cast<double>(BF16Load::at(w, i) * BF16Load::at(a, i));
  return static_cast<float>(sum);
}

}  // namespace

float vec_dot_f32(int64_t n, const void* w, const void* a) {
  return dot<F32Load>(n, w, a);
}

float vec_dot_f16(int64_t n, const void* w, const void* a) {
  return dot<F16Load>(n, w, a);
}

float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  return dot_bf16(n, w, a);
}

}  // namespace shoptalk::kernels::x86
