// The non-linear 4-bit formats IQ4_NL (32-element blocks) and IQ4_XS (256-element super-blocks
// with 6-bit sub-block scales), docs/formats.md. Codes index the sorted codebook
// kIQ4NLValues; the quantizers search for the scale whose nearest-codebook codes fit best.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/reference_quants.h"

namespace shoptalk::reference {

namespace {

constexpr float kGroupMaxEps = 1e-15f;  // a block below this magnitude is stored as zeros
constexpr int kCodebookSize = 16;

// Index of the codebook value nearest to v: the number of midpoints between neighbours below v.
int nearest_codebook_index(float v) {
  int index = 0;
  for (int k = 1; k < kCodebookSize; ++k)
    index += v > 0.5f * static_cast<float>(kIQ4NLValues[k - 1] + kIQ4NLValues[k]) ? 1 : 0;
  return index;
}

void round_to_codebook(const float* x, int n, float scale, uint8_t* codes) {
  const float inv_scale = scale != 0.0f ? 1.0f / scale : 0.0f;
  for (int i = 0; i < n; ++i)
    codes[i] = static_cast<uint8_t>(nearest_codebook_index(inv_scale * x[i]));
}

// Fits x ~ scale * T[code] for one 32-element block with weights x^2. Candidate inverse scales
// map the largest-magnitude element to either end of the codebook (-127 or 113) and up to 7
// steps inside or beyond it; for each, the codes are the nearest codebook entries and the scale
// their least-squares one; the fit explaining the most weighted energy wins. Returns the scale
// (0 for an all-zero block).
float fit_codebook_scale(const float* x, int n) {
  float amax = 0.0f, max = 0.0f;
  for (int i = 0; i < n; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) return 0.0f;
  float best_score = -1.0f, best_scale = 0.0f;
  for (const int end : {kIQ4NLValues[0], kIQ4NLValues[kCodebookSize - 1]}) {
    for (int step = -7; step <= 7; ++step) {
      const float inv_scale = static_cast<float>(end + step) / max;
      float sum_wxq = 0.0f, sum_wq2 = 0.0f;
      for (int i = 0; i < n; ++i) {
        const float q = kIQ4NLValues[nearest_codebook_index(inv_scale * x[i])];
        const float w = x[i] * x[i];
        sum_wxq += w * q * x[i];
        sum_wq2 += w * q * q;
      }
      if (sum_wq2 <= 0.0f) continue;
      const float score = sum_wxq * sum_wxq / sum_wq2;
      if (score > best_score) {
        best_score = score;
        best_scale = sum_wxq / sum_wq2;
      }
    }
  }
  return best_scale;
}

// Byte j of a 32-element group holds element j (low nibble) and element j + 16 (high nibble).
void pack_codebook_codes(const uint8_t* codes, uint8_t* qs) {
  for (int j = 0; j < kQK / 2; ++j)
    qs[j] = static_cast<uint8_t>(codes[j] | (codes[j + kQK / 2] << 4));
}

}  // namespace

void dequantize_row_iq4_nl(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_NL*>(src);
  for (int64_t i = 0; i < n / kQK; ++i, dst += kQK) {
    const float d = fp16_to_fp32(b[i].d);
    for (int j = 0; j < kQK / 2; ++j) {
      dst[j] = d * static_cast<float>(kIQ4NLValues[b[i].qs[j] & 0x0F]);
      dst[j + kQK / 2] = d * static_cast<float>(kIQ4NLValues[b[i].qs[j] >> 4]);
    }
  }
}

void dequantize_row_iq4_xs(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const BlockIQ4_XS*>(src);
  for (int64_t i = 0; i < n / kQK_K; ++i) {
    const float d = fp16_to_fp32(b[i].d);
    for (int ib = 0; ib < kQK_K / kQK; ++ib, dst += kQK) {
      const int ls = ((b[i].scales_l[ib / 2] >> (4 * (ib % 2))) & 0x0F) |
                     (((b[i].scales_h >> (2 * ib)) & 3) << 4);
      const float dl = d * static_cast<float>(ls - 32);
      const uint8_t* qs = b[i].qs + 16 * ib;
      for (int j = 0; j < kQK / 2; ++j) {
        dst[j] = dl * static_cast<float>(kIQ4NLValues[qs[j] & 0x0F]);
        dst[j + kQK / 2] = dl * static_cast<float>(kIQ4NLValues[qs[j] >> 4]);
      }
    }
  }
}

void quantize_row_iq4_nl(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<BlockIQ4_NL*>(dst);
  for (int64_t i = 0; i < n / kQK; ++i, src += kQK) {
    b[i].d = fp32_to_fp16(fit_codebook_scale(src, kQK));
    // Codes are re-rounded against the stored (fp16) scale.
    uint8_t codes[kQK];
    round_to_codebook(src, kQK, fp16_to_fp32(b[i].d), codes);
    pack_codebook_codes(codes, b[i].qs);
  }
}

void quantize_row_iq4_xs(const float* src, void* dst, int64_t n) {
  constexpr int kSubBlocks = kQK_K / kQK;
  auto* b = static_cast<BlockIQ4_XS*>(dst);
  for (int64_t i = 0; i < n / kQK_K; ++i, src += kQK_K) {
    float sub_scales[kSubBlocks];
    float max_scale = 0.0f;
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      sub_scales[ib] = fit_codebook_scale(src + kQK * ib, kQK);
      if (std::fabs(sub_scales[ib]) > std::fabs(max_scale)) max_scale = sub_scales[ib];
    }
    std::memset(&b[i], 0, sizeof b[i]);
    if (std::fabs(max_scale) < kGroupMaxEps) continue;
    // Sub-block scales are (ls - 32) * d with ls in [0, 63]; the largest one maps to -32.
    const float d = -max_scale / 32.0f;
    b[i].d = fp32_to_fp16(d);
    const float stored_d = fp16_to_fp32(b[i].d);
    for (int ib = 0; ib < kSubBlocks; ++ib) {
      const int l = std::min(31, std::max(-32, nearest_int(sub_scales[ib] / d)));
      const int ls = l + 32;
      b[i].scales_l[ib / 2] |= static_cast<uint8_t>((ls & 0x0F) << (4 * (ib % 2)));
      b[i].scales_h |= static_cast<uint16_t>((ls >> 4) << (2 * ib));
      uint8_t codes[kQK];
      round_to_codebook(src + kQK * ib, kQK, stored_d * static_cast<float>(l), codes);
      pack_codebook_codes(codes, b[i].qs + 16 * ib);
    }
  }
}

}  // namespace shoptalk::reference
