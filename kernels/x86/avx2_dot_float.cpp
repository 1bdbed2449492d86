// AVX2 dot products of F32/F16/BF16 weight rows with activations of the same type: 32 products
// per step into 4 float accumulators with FMA (F16C widens fp16, a shift widens bf16).
#include <immintrin.h>

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

template <class L>
float dot(int64_t n, const void* w, const void* a) {
  __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(),
                   _mm256_setzero_ps()};
  int64_t i = 0;
  for (; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; ++k)
      acc[k] = _mm256_fmadd_ps(L::load(w, i + 8 * k), L::load(a, i + 8 * k), acc[k]);
  for (; i + 8 <= n; i += 8) acc[0] = _mm256_fmadd_ps(L::load(w, i), L::load(a, i), acc[0]);
  float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
  for (; i < n; ++i) sum += L::at(w, i) * L::at(a, i);
  return sum;
}

}  // namespace

float vec_dot_f32(int64_t n, const void* w, const void* a) {
  return dot<F32Load>(n, w, a);
}

float vec_dot_f16(int64_t n, const void* w, const void* a) {
  return dot<F16Load>(n, w, a);
}

float vec_dot_bf16(int64_t n, const void* w, const void* a) {
  return dot<BF16Load>(n, w, a);
}

}  // namespace shoptalk::kernels::x86
