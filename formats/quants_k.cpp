// The K-quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) and the Q8_K activation format.
// Dequantizers follow docs/formats.md in the same float evaluation order as
// ggml (scale product first, then the code, then the min term), so they are bit-exact.
// Quantizers search per sub-block scales (and mins) by weighted least squares, then store
// the sub-block scales as small integers under fp16 super-scales and re-round every code against
// the scale that will actually be used.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/k_scales.h"
#include "formats/reference_quants.h"

namespace shoptalk::reference {

namespace {

// A group whose largest magnitude is below this is stored as all zeros.
constexpr float kGroupMaxEps = 1e-15f;
constexpr int kMaxGroup = 32;  // the largest sub-block a search works on

int clamp_int(int v, int lo, int hi) {
  return std::min(hi, std::max(lo, v));
}

// The element of largest magnitude, sign kept (first one on ties).
float signed_absmax(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  return max;
}

// Element e of a 256-element super-block stored as 2-bit codes (Q2_K, Q3_K low bits): byte
// 32*(e/128) + e%32, bit pair (e%128)/32.
int code_2bit(const uint8_t* qs, int e) {
  return (qs[32 * (e / 128) + e % 32] >> (2 * ((e % 128) / 32))) & 3;
}

void pack_2bit_codes(const uint8_t* codes, uint8_t* qs) {
  std::memset(qs, 0, kQK_K / 4);
  for (int e = 0; e < kQK_K; ++e)
    qs[32 * (e / 128) + e % 32] |= static_cast<uint8_t>((codes[e] & 3) << (2 * ((e % 128) / 32)));
}

// Element e of a 256-element super-block stored as nibbles (Q4_K, Q5_K low bits): byte
// 32*(e/64) + e%32, low nibble for even 32-element sub-blocks, high nibble for odd ones.
int nibble_4bit(const uint8_t* qs, int e) {
  return (qs[32 * (e / 64) + e % 32] >> (4 * ((e / 32) % 2))) & 0x0F;
}

void pack_4bit_codes(const uint8_t* codes, uint8_t* qs) {
  std::memset(qs, 0, kQK_K / 2);
  for (int e = 0; e < kQK_K; ++e)
    qs[32 * (e / 64) + e % 32] |= static_cast<uint8_t>((codes[e] & 0x0F) << (4 * ((e / 32) % 2)));
}

// Inverse scales tried by fit_scale_min: (qmax + first + step * k) / (max - best offset so far)
// for k in [0, last].
struct ScaleMinGrid {
  float first;
  float step;
  int last;
  bool absolute_error;  // minimize sum w*|err| instead of sum w*err^2
};

// Fits x ~ scale * q - min with codes q in [0, qmax] and min >= 0 (the formats subtract an
// unsigned min), minimizing the weighted error. Each candidate inverse scale gives codes by
// rounding; for those codes (scale, min) is the weighted least-squares solution. Candidates are
// taken relative to the best offset found so far, so the grid follows the improving fit. Returns
// the scale and writes the best codes and *min.
float fit_scale_min(const float* x, const float* w, int n, int qmax, const ScaleMinGrid& grid,
                    uint8_t* codes, float* min) {
  float lo = x[0], hi = x[0];
  for (int i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  lo = std::min(lo, 0.0f);  // the offset (-min) can only be <= 0
  if (hi == lo) {
    std::memset(codes, 0, static_cast<size_t>(n));
    *min = -lo;
    return 0.0f;
  }
  float sum_w = 0.0f, sum_wx = 0.0f;
  for (int i = 0; i < n; ++i) {
    sum_w += w[i];
    sum_wx += w[i] * x[i];
  }
  auto round_codes = [&](float inv_scale, float offset, uint8_t* q) {
    for (int i = 0; i < n; ++i)
      q[i] = static_cast<uint8_t>(clamp_int(nearest_int(inv_scale * (x[i] - offset)), 0, qmax));
  };
  auto error_of = [&](float scale, float offset, const uint8_t* q) {
    float error = 0.0f;
    for (int i = 0; i < n; ++i) {
      const float diff = scale * static_cast<float>(q[i]) + offset - x[i];
      error += w[i] * (grid.absolute_error ? std::fabs(diff) : diff * diff);
    }
    return error;
  };

  float best_scale = (hi - lo) / static_cast<float>(qmax);
  float best_offset = lo;
  round_codes(static_cast<float>(qmax) / (hi - lo), lo, codes);
  float best_error = error_of(best_scale, best_offset, codes);

  uint8_t trial[kMaxGroup];
  for (int k = 0; k <= grid.last; ++k) {
    const float range = hi - best_offset;
    if (!(range > 0.0f)) break;
    const float levels = static_cast<float>(qmax) + grid.first + grid.step * static_cast<float>(k);
    round_codes(levels / range, best_offset, trial);
    float sum_wq = 0.0f, sum_wq2 = 0.0f, sum_wxq = 0.0f;
    for (int i = 0; i < n; ++i) {
      const float q = static_cast<float>(trial[i]);
      sum_wq += w[i] * q;
      sum_wq2 += w[i] * q * q;
      sum_wxq += w[i] * q * x[i];
    }
    const float det = sum_w * sum_wq2 - sum_wq * sum_wq;
    if (det <= 0.0f) continue;
    float scale = (sum_w * sum_wxq - sum_wx * sum_wq) / det;
    float offset = (sum_wq2 * sum_wx - sum_wq * sum_wxq) / det;
    if (offset > 0.0f) {  // a positive offset is not representable: refit the scale alone
      offset = 0.0f;
      scale = sum_wxq / sum_wq2;
    }
    const float error = error_of(scale, offset, trial);
    if (error < best_error) {
      best_error = error;
      best_scale = scale;
      best_offset = offset;
      std::memcpy(codes, trial, static_cast<size_t>(n));
    }
  }
  *min = -best_offset;
  return best_scale;
}

// Fits x ~ scale * q with q in [-nmax, nmax - 1], weights x^2 (large values matter most). Tries
// inverse scales around the one mapping the largest magnitude to -nmax; each gives codes by
// rounding and a least-squares scale; keeps the fit that explains the most weighted energy
// (sum wxq)^2 / sum wq^2. Returns the scale (0 for an all-zero group).
float fit_symmetric_grid(const float* x, int n, int nmax, int8_t* codes) {
  const float max = signed_absmax(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    std::memset(codes, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  float best_scale = 0.0f;
  float best_energy = -1.0f;  // explained weighted energy of the best fit, best_scale * sum_wxq
  int8_t trial[kMaxGroup];
  auto try_step = [&](int k) {
    const float inv_scale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(k)) / max;
    float sum_wxq = 0.0f, sum_wq2 = 0.0f;
    for (int i = 0; i < n; ++i) {
      const int q = clamp_int(nearest_int(inv_scale * x[i]), -nmax, nmax - 1);
      trial[i] = static_cast<int8_t>(q);
      const float w = x[i] * x[i];
      sum_wxq += w * x[i] * static_cast<float>(q);
      sum_wq2 += w * static_cast<float>(q) * static_cast<float>(q);
    }
    if (sum_wq2 > 0.0f && sum_wxq * sum_wxq > best_energy * sum_wq2) {
      best_scale = sum_wxq / sum_wq2;
      best_energy = best_scale * sum_wxq;
      std::memcpy(codes, trial, static_cast<size_t>(n));
    }
  };
  try_step(0);  // plain rounding first: the other steps must beat it strictly
  for (int k = -9; k <= 9; ++k)
    if (k != 0) try_step(k);
  return best_scale;
}

// Same fit as fit_symmetric_grid, searched differently (suits very few levels): start from the
// rounding that maps the largest magnitude to -nmax, then sweep over the elements re-rounding each
// one against the least-squares scale of all the others, keeping a change when it improves the
// explained energy; stop after a sweep without changes (at most 5).
float fit_symmetric_greedy(const float* x, int n, int nmax, int8_t* codes) {
  const float max = signed_absmax(x, n);
  if (std::fabs(max) < kGroupMaxEps) {
    std::memset(codes, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  const float inv_scale = -static_cast<float>(nmax) / max;
  float sum_wxq = 0.0f, sum_wq2 = 0.0f;
  for (int i = 0; i < n; ++i) {
    const int q = clamp_int(nearest_int(inv_scale * x[i]), -nmax, nmax - 1);
    codes[i] = static_cast<int8_t>(q);
    const float w = x[i] * x[i];
    sum_wxq += w * x[i] * static_cast<float>(q);
    sum_wq2 += w * static_cast<float>(q) * static_cast<float>(q);
  }
  for (int sweep = 0; sweep < 5; ++sweep) {
    bool changed = false;
    for (int i = 0; i < n; ++i) {
      const float w = x[i] * x[i];
      const float q_old = static_cast<float>(codes[i]);
      const float rest_wxq = sum_wxq - w * x[i] * q_old;
      if (rest_wxq <= 0.0f) continue;
      const float rest_wq2 = sum_wq2 - w * q_old * q_old;
      const int q_new = clamp_int(nearest_int(x[i] * rest_wq2 / rest_wxq), -nmax, nmax - 1);
      if (q_new == codes[i]) continue;
      const float new_wxq = rest_wxq + w * x[i] * static_cast<float>(q_new);
      const float new_wq2 = rest_wq2 + w * static_cast<float>(q_new) * static_cast<float>(q_new);
      if (new_wq2 > 0.0f && new_wxq * new_wxq * sum_wq2 > sum_wxq * sum_wxq * new_wq2) {
        codes[i] = static_cast<int8_t>(q_new);
        sum_wxq = new_wxq;
        sum_wq2 = new_wq2;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return sum_wq2 > 0.0f ? sum_wxq / sum_wq2 : 0.0f;
}

// Q4_K and Q5_K differ only in the code width: 8 sub-blocks of 32, each with a 6-bit scale and a
// 6-bit min under the fp16 super-scales d and dmin.
struct ScaleMinSuperBlock {
  uint16_t d;
  uint16_t dmin;
  uint8_t scales[12];
  uint8_t codes[kQK_K];
};

ScaleMinSuperBlock quantize_scale_min_super_block(const float* x, int qmax,
                                                  const ScaleMinGrid& grid) {
  constexpr int kSubBlocks = kQK_K / 32;
  ScaleMinSuperBlock out;
  float sub_scales[kSubBlocks], sub_mins[kSubBlocks];
  for (int j = 0; j < kSubBlocks; ++j) {
    const float* xs = x + 32 * j;
    // Weight large magnitudes more (they dominate dot products) without ignoring small values.
    float sum_x2 = 0.0f;
    for (int l = 0; l < 32; ++l) sum_x2 += xs[l] * xs[l];
    const float rms = std::sqrt(sum_x2 / 32.0f);
    float w[32];
    for (int l = 0; l < 32; ++l) w[l] = rms + std::fabs(xs[l]);
    sub_scales[j] = fit_scale_min(xs, w, 32, qmax, grid, out.codes + 32 * j, &sub_mins[j]);
  }
  const float max_scale = *std::max_element(sub_scales, sub_scales + kSubBlocks);
  const float max_min = *std::max_element(sub_mins, sub_mins + kSubBlocks);
  const float inv_scale = max_scale > 0.0f ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0.0f ? 63.0f / max_min : 0.0f;
  uint8_t q_scales[kSubBlocks], q_mins[kSubBlocks];
  for (int j = 0; j < kSubBlocks; ++j) {
    q_scales[j] = static_cast<uint8_t>(clamp_int(nearest_int(inv_scale * sub_scales[j]), 0, 63));
    q_mins[j] = static_cast<uint8_t>(clamp_int(nearest_int(inv_min * sub_mins[j]), 0, 63));
  }
  pack_scales_mins_k4(q_scales, q_mins, out.scales);
  out.d = fp32_to_fp16(max_scale / 63.0f);
  out.dmin = fp32_to_fp16(max_min / 63.0f);

  const float d = fp16_to_fp32(out.d);
  const float dmin = fp16_to_fp32(out.dmin);
  for (int j = 0; j < kSubBlocks; ++j) {
    const float dl = d * static_cast<float>(q_scales[j]);
    const float ml = dmin * static_cast<float>(q_mins[j]);
    for (int l = 0; l < 32; ++l) {
      const int q = dl > 0.0f ? nearest_int((x[32 * j + l] + ml) / dl) : 0;
      out.codes[32 * j + l] = static_cast<uint8_t>(clamp_int(q, 0, qmax));
    }
  }
  return out;
}

// Final codes of a symmetric super-block of 16 sub-blocks (Q3_K, Q6_K) once its scales are
// quantized: every element re-rounded against d * sub_scale, clamped to [-nmax, nmax - 1].
void round_symmetric_codes(const float* x, float d, const int8_t* sub_scales, int nmax,
                           int8_t* codes) {
  for (int j = 0; j < kQK_K / 16; ++j) {
    const float dl = d * static_cast<float>(sub_scales[j]);
    for (int l = 0; l < 16; ++l) {
      const int q = dl != 0.0f ? nearest_int(x[16 * j + l] / dl) : 0;
      codes[16 * j + l] = static_cast<int8_t>(clamp_int(q, -nmax, nmax - 1));
    }
  }
}

constexpr ScaleMinGrid kQ2KGrid = {-0.5f, 0.1f, 15, true};
constexpr ScaleMinGrid kQ4KGrid = {-1.0f, 0.1f, 20, false};
constexpr ScaleMinGrid kQ5KGrid = {-0.5f, 0.1f, 15, false};

}  // namespace

void dequantize_row_q2_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ2_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    for (int sub = 0; sub < kQK_K / 16; ++sub) {
      const float dl = d * static_cast<float>(b[i].scales[sub] & 0x0F);
      const float ml = dmin * static_cast<float>(b[i].scales[sub] >> 4);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e)
        dst[e] = dl * static_cast<float>(code_2bit(b[i].qs, e)) - ml;
    }
  }
}

void dequantize_row_q3_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ3_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(b[i].d);
    int8_t scales[16];
    unpack_scales_q3_k(b[i].scales, scales);
    for (int sub = 0; sub < kQK_K / 16; ++sub) {
      const float dl = d * static_cast<float>(scales[sub]);
      for (int e = 16 * sub; e < 16 * sub + 16; ++e) {
        const int high_bit = (b[i].hmask[e % 32] >> (e / 32)) & 1;
        const int q = code_2bit(b[i].qs, e) - (high_bit ? 0 : 4);
        dst[e] = dl * static_cast<float>(q);
      }
    }
  }
}

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ4_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    for (int sub = 0; sub < kQK_K / 32; ++sub) {
      uint8_t sc, m;
      unpack_scale_min_k4(sub, b[i].scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = dmin * static_cast<float>(m);
      for (int e = 32 * sub; e < 32 * sub + 32; ++e)
        dst[e] = d1 * static_cast<float>(nibble_4bit(b[i].qs, e)) - m1;
    }
  }
}

void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ5_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    for (int sub = 0; sub < kQK_K / 32; ++sub) {
      uint8_t sc, m;
      unpack_scale_min_k4(sub, b[i].scales, &sc, &m);
      const float d1 = d * static_cast<float>(sc);
      const float m1 = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const int e = 32 * sub + l;
        const int q = nibble_4bit(b[i].qs, e) + 16 * ((b[i].qh[l] >> sub) & 1);
        dst[e] = d1 * static_cast<float>(q) - m1;
      }
    }
  }
}

void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ6_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K) {
    const float d = fp16_to_fp32(b[i].d);
    for (int e = 0; e < kQK_K; ++e) {
      const int h = e / 128, g = (e % 128) / 32, l = e % 32;
      const int low4 = (b[i].ql[64 * h + 32 * (g % 2) + l] >> (4 * (g / 2))) & 0x0F;
      const int high2 = (b[i].qh[32 * h + l] >> (2 * g)) & 3;
      const float dl = d * static_cast<float>(b[i].scales[e / 16]);
      dst[e] = dl * static_cast<float>((low4 | (high2 << 4)) - 32);
    }
  }
}

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockQ8_K*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i, dst += kQK_K)
    for (int j = 0; j < kQK_K; ++j) dst[j] = b[i].d * static_cast<float>(b[i].qs[j]);
}

void quantize_row_q2_k(const float* src, void* dst, int64_t n) {
  constexpr int kSubBlocks = kQK_K / 16;
  auto* b = static_cast<BlockQ2_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    uint8_t codes[kQK_K];
    float sub_scales[kSubBlocks], sub_mins[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j) {
      float w[16];
      for (int l = 0; l < 16; ++l) w[l] = std::fabs(src[16 * j + l]);
      sub_scales[j] = fit_scale_min(src + 16 * j, w, 16, 3, kQ2KGrid, codes + 16 * j, &sub_mins[j]);
    }
    // Sub-block scales and mins are 4-bit multiples of the fp16 super-scales d and dmin.
    const float max_scale = *std::max_element(sub_scales, sub_scales + kSubBlocks);
    const float max_min = *std::max_element(sub_mins, sub_mins + kSubBlocks);
    const float inv_scale = max_scale > 0.0f ? 15.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0.0f ? 15.0f / max_min : 0.0f;
    b[i].d = fp32_to_fp16(max_scale > 0.0f ? max_scale / 15.0f : 0.0f);
    b[i].dmin = fp32_to_fp16(max_min > 0.0f ? max_min / 15.0f : 0.0f);
    const float d = fp16_to_fp32(b[i].d);
    const float dmin = fp16_to_fp32(b[i].dmin);
    for (int j = 0; j < kSubBlocks; ++j) {
      const int q_scale = clamp_int(nearest_int(inv_scale * sub_scales[j]), 0, 15);
      const int q_min = clamp_int(nearest_int(inv_min * sub_mins[j]), 0, 15);
      b[i].scales[j] = static_cast<uint8_t>(q_scale | (q_min << 4));
      const float dl = d * static_cast<float>(q_scale);
      const float ml = dmin * static_cast<float>(q_min);
      for (int l = 0; l < 16; ++l) {
        const int q = dl > 0.0f ? nearest_int((src[16 * j + l] + ml) / dl) : 0;
        codes[16 * j + l] = static_cast<uint8_t>(clamp_int(q, 0, 3));
      }
    }
    pack_2bit_codes(codes, b[i].qs);
  }
}

void quantize_row_q3_k(const float* src, void* dst, int64_t n) {
  constexpr int kSubBlocks = kQK_K / 16;
  auto* b = static_cast<BlockQ3_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    int8_t codes[kQK_K];
    float sub_scales[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j)
      sub_scales[j] = fit_symmetric_greedy(src + 16 * j, 16, 4, codes + 16 * j);
    // Sub-block scales are signed 6-bit multiples of d; the largest one maps to -32.
    const float max_scale = signed_absmax(sub_scales, kSubBlocks);
    int8_t q_scales[kSubBlocks] = {};
    float d = 0.0f;
    if (max_scale != 0.0f) {
      const float inv_scale = -32.0f / max_scale;
      for (int j = 0; j < kSubBlocks; ++j)
        q_scales[j] =
            static_cast<int8_t>(clamp_int(nearest_int(inv_scale * sub_scales[j]), -32, 31));
      d = 1.0f / inv_scale;
    }
    pack_scales_q3_k(q_scales, b[i].scales);
    b[i].d = fp32_to_fp16(d);
    round_symmetric_codes(src, fp16_to_fp32(b[i].d), q_scales, 4, codes);

    // Stored as code + 4 in [0, 7]: bit 2 in hmask (element e: byte e%32, bit e/32), bits 0-1 in
    // qs.
    uint8_t low_bits[kQK_K];
    std::memset(b[i].hmask, 0, sizeof b[i].hmask);
    for (int e = 0; e < kQK_K; ++e) {
      const int biased = codes[e] + 4;
      low_bits[e] = static_cast<uint8_t>(biased & 3);
      b[i].hmask[e % 32] |= static_cast<uint8_t>((biased >> 2) << (e / 32));
    }
    pack_2bit_codes(low_bits, b[i].qs);
  }
}

void quantize_row_q4_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ4_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    const ScaleMinSuperBlock sb = quantize_scale_min_super_block(src, 15, kQ4KGrid);
    b[i].d = sb.d;
    b[i].dmin = sb.dmin;
    std::memcpy(b[i].scales, sb.scales, sizeof b[i].scales);
    pack_4bit_codes(sb.codes, b[i].qs);
  }
}

void quantize_row_q5_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ5_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    const ScaleMinSuperBlock sb = quantize_scale_min_super_block(src, 31, kQ5KGrid);
    b[i].d = sb.d;
    b[i].dmin = sb.dmin;
    std::memcpy(b[i].scales, sb.scales, sizeof b[i].scales);
    pack_4bit_codes(sb.codes, b[i].qs);
    // Fifth bit of element e: byte e%32 of qh, bit e/32 (the sub-block).
    std::memset(b[i].qh, 0, sizeof b[i].qh);
    for (int e = 0; e < kQK_K; ++e)
      b[i].qh[e % 32] |= static_cast<uint8_t>((sb.codes[e] >> 4) << (e / 32));
  }
}

void quantize_row_q6_k(const float* src, void* dst, int64_t n) {
  constexpr int kSubBlocks = kQK_K / 16;
  auto* b = static_cast<BlockQ6_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    int8_t codes[kQK_K];
    float sub_scales[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j)
      sub_scales[j] = fit_symmetric_grid(src + 16 * j, 16, 32, codes + 16 * j);
    const float max_scale = signed_absmax(sub_scales, kSubBlocks);
    if (std::fabs(max_scale) < kGroupMaxEps) {
      std::memset(&b[i], 0, sizeof b[i]);
      continue;
    }
    // Sub-block scales are int8 multiples of d; the largest one maps to -128.
    const float inv_scale = -128.0f / max_scale;
    int8_t q_scales[kSubBlocks];
    for (int j = 0; j < kSubBlocks; ++j)
      q_scales[j] =
          static_cast<int8_t>(clamp_int(nearest_int(inv_scale * sub_scales[j]), -128, 127));
    std::memcpy(b[i].scales, q_scales, sizeof b[i].scales);
    b[i].d = fp32_to_fp16(1.0f / inv_scale);
    round_symmetric_codes(src, fp16_to_fp32(b[i].d), q_scales, 32, codes);

    // Stored as code + 32 in [0, 63]: see dequantize_row_q6_k for where each bit goes.
    std::memset(b[i].ql, 0, sizeof b[i].ql);
    std::memset(b[i].qh, 0, sizeof b[i].qh);
    for (int e = 0; e < kQK_K; ++e) {
      const int biased = codes[e] + 32;
      const int h = e / 128, g = (e % 128) / 32, l = e % 32;
      b[i].ql[64 * h + 32 * (g % 2) + l] |= static_cast<uint8_t>((biased & 0x0F) << (4 * (g / 2)));
      b[i].qh[32 * h + l] |= static_cast<uint8_t>((biased >> 4) << (2 * g));
    }
  }
}

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockQ8_K*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    const float max = signed_absmax(src, kQK_K);
    if (max == 0.0f) {
      b[i].d = 0.0f;
      std::memset(b[i].qs, 0, sizeof b[i].qs);
      std::memset(b[i].bsums, 0, sizeof b[i].bsums);
      continue;
    }
    // The largest-magnitude element becomes -127, so d is negative when that element is positive.
    const float inv_scale = -127.0f / max;
    for (int j = 0; j < kQK_K; ++j)
      b[i].qs[j] = static_cast<int8_t>(std::min(127, nearest_int(inv_scale * src[j])));
    b[i].d = 1.0f / inv_scale;
    for (int g = 0; g < kQK_K / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += b[i].qs[16 * g + l];
      b[i].bsums[g] = static_cast<int16_t>(sum);
    }
  }
}

}  // namespace shoptalk::reference
