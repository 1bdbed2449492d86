// Float element-wise operations with llama.cpp's CPU numerics (docs/models.md).
#include <cmath>

#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

void rmsnorm(const float* x, const float* w, float* y, int64_t n, float eps) {
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * w[i];
}

void rope_cache(int64_t pos, int n_rot, float freq_base, float freq_scale, float attn_factor,
                const float* factors, float* cos_out, float* sin_out) {
  // theta is advanced by repeated multiplication, not powf per pair: llama.cpp does the same and
  // the two differ in the last bits.
  const float theta_scale = std::pow(freq_base, -2.0f / static_cast<float>(n_rot));
  float theta = static_cast<float>(pos);
  for (int i = 0; i < n_rot / 2; ++i) {
    const float factor = factors ? factors[i] : 1.0f;
    const float angle = freq_scale * (theta / factor);
    cos_out[i] = std::cos(angle) * attn_factor;
    sin_out[i] = std::sin(angle) * attn_factor;
    theta *= theta_scale;
  }
}

void rope_apply(float* x, int n_heads, int head_dim, int n_rot, RopeStyle style,
                const float* cos_table, const float* sin_table) {
  const int half = n_rot / 2;
  for (int h = 0; h < n_heads; ++h) {
    float* v = x + static_cast<int64_t>(h) * head_dim;
    for (int i = 0; i < half; ++i) {
      const int i0 = style == RopeStyle::kNorm ? 2 * i : i;
      const int i1 = style == RopeStyle::kNorm ? 2 * i + 1 : i + half;
      const float a = v[i0];
      const float b = v[i1];
      v[i0] = a * cos_table[i] - b * sin_table[i];
      v[i1] = a * sin_table[i] + b * cos_table[i];
    }
  }
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    out[i] = (g / (1.0f + std::exp(-g))) * up[i];
  }
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void scale(float* x, float s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}

}  // namespace shoptalk::kernels::scalar
