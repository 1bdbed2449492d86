// Dot products of the K-quants and IQ4_XS with Q8_K activations, in the generic order of
// docs/formats.md: each super-block is unpacked to int8 values, the scaled integer products
// are summed into 8 int32 lanes, the lanes scaled by d into 8 float lanes that are added at the
// end; min terms are subtracted from the running sum per super-block.
#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/k_scales.h"
#include "kernels/scalar/int_blocks.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

namespace {

// lanes[l] += scales[g] * Σ over the group's chunks of 8 of values·q8, lane l = element % 8.
void add_scaled_lanes(const int8_t* values, const int8_t* q8, const int* scales, int group,
                      int32_t lanes[8]) {
  for (int g = 0; g < kQK_K / group; ++g) {
    for (int chunk = 0; chunk < group / 8; ++chunk) {
      const int base = g * group + chunk * 8;
      for (int l = 0; l < 8; ++l) lanes[l] += scales[g] * (values[base + l] * q8[base + l]);
    }
  }
}

struct FloatLanes {
  float sums[8] = {};
  void add(float d, const int32_t lanes[8]) {
    for (int l = 0; l < 8; ++l) sums[l] += d * static_cast<float>(lanes[l]);
  }
  float total(float start) const {
    float sum = start;
    for (int l = 0; l < 8; ++l) sum += sums[l];
    return sum;
  }
};

// Q4_K/Q5_K sub-block scales and the bsums·mins term of one super-block.
int unpack_k4_scales(const uint8_t packed[12], const int16_t bsums[16], int scales[8]) {
  int min_term = 0;
  for (int sub = 0; sub < 8; ++sub) {
    uint8_t sc, m;
    unpack_scale_min_k4(sub, packed, &sc, &m);
    scales[sub] = sc;
    min_term += (bsums[2 * sub] + bsums[2 * sub + 1]) * m;
  }
  return min_term;
}

}  // namespace

float vec_dot_q2_k_q8_k(int64_t n, const void* w, const void* a) {
  const BlockQ2_K* x = static_cast<const BlockQ2_K*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int summs = 0;
    for (int j = 0; j < 16; ++j) summs += y[b].bsums[j] * (x[b].scales[j] >> 4);
    const float dall = y[b].d * fp16_to_fp32(x[b].d);
    const float dmin = y[b].d * fp16_to_fp32(x[b].dmin);
    int isum = 0;
    int sub = 0;
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q2 = x[b].qs + 32 * half;
      for (int shift = 0; shift < 8; shift += 2) {
        const int8_t* q8 = y[b].qs + 128 * half + 16 * (shift / 2) * 2;
        for (int part = 0; part < 2; ++part) {
          int isuml = 0;
          for (int l = 16 * part; l < 16 * part + 16; ++l) isuml += q8[l] * ((q2[l] >> shift) & 3);
          isum += (x[b].scales[sub++] & 0x0F) * isuml;
        }
      }
    }
    sum += dall * static_cast<float>(isum) - dmin * static_cast<float>(summs);
  }
  return sum;
}

float vec_dot_q3_k_q8_k(int64_t n, const void* w, const void* a) {
  const BlockQ3_K* x = static_cast<const BlockQ3_K*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  FloatLanes lanes;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t values[kQK_K];
    for (int half = 0; half < 2; ++half) {
      const uint8_t* q3 = x[b].qs + 32 * half;
      for (int k = 0; k < 4; ++k) {
        const uint8_t mask = static_cast<uint8_t>(1u << (4 * half + k));
        for (int l = 0; l < 32; ++l) {
          const int low = (q3[l] >> (2 * k)) & 3;
          values[128 * half + 32 * k + l] =
              static_cast<int8_t>(low - ((x[b].hmask[l] & mask) ? 0 : 4));
        }
      }
    }
    int8_t packed_scales[16];
    unpack_scales_q3_k(x[b].scales, packed_scales);
    int scales[16];
    for (int i = 0; i < 16; ++i) scales[i] = packed_scales[i];
    int32_t ilanes[8] = {};
    add_scaled_lanes(values, y[b].qs, scales, 16, ilanes);
    lanes.add(fp16_to_fp32(x[b].d) * y[b].d, ilanes);
  }
  return lanes.total(0.0f);
}

float vec_dot_q4_k_q8_k(int64_t n, const void* w, const void* a) {
  const BlockQ4_K* x = static_cast<const BlockQ4_K*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  FloatLanes lanes;
  float min_sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t values[kQK_K];
    q4_k_values(x[b], values);
    int scales[8];
    const int min_term = unpack_k4_scales(x[b].scales, y[b].bsums, scales);
    int32_t ilanes[8] = {};
    add_scaled_lanes(values, y[b].qs, scales, 32, ilanes);
    lanes.add(fp16_to_fp32(x[b].d) * y[b].d, ilanes);
    min_sum -= fp16_to_fp32(x[b].dmin) * y[b].d * static_cast<float>(min_term);
  }
  return lanes.total(min_sum);
}

float vec_dot_q5_k_q8_k(int64_t n, const void* w, const void* a) {
  const BlockQ5_K* x = static_cast<const BlockQ5_K*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  FloatLanes lanes;
  float min_sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t values[kQK_K];
    q5_k_values(x[b], values);
    int scales[8];
    const int min_term = unpack_k4_scales(x[b].scales, y[b].bsums, scales);
    int32_t ilanes[8] = {};
    add_scaled_lanes(values, y[b].qs, scales, 32, ilanes);
    lanes.add(fp16_to_fp32(x[b].d) * y[b].d, ilanes);
    min_sum -= fp16_to_fp32(x[b].dmin) * y[b].d * static_cast<float>(min_term);
  }
  return lanes.total(min_sum);
}

float vec_dot_q6_k_q8_k(int64_t n, const void* w, const void* a) {
  const BlockQ6_K* x = static_cast<const BlockQ6_K*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  FloatLanes lanes;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    int8_t values[kQK_K];
    q6_k_values(x[b], values);
    int scales[16];
    for (int i = 0; i < 16; ++i) scales[i] = x[b].scales[i];
    int32_t ilanes[8] = {};
    add_scaled_lanes(values, y[b].qs, scales, 16, ilanes);
    lanes.add(fp16_to_fp32(x[b].d) * y[b].d, ilanes);
  }
  return lanes.total(0.0f);
}

float vec_dot_iq4_xs_q8_k(int64_t n, const void* w, const void* a) {
  const BlockIQ4_XS* x = static_cast<const BlockIQ4_XS*>(w);
  const BlockQ8_K* y = static_cast<const BlockQ8_K*>(a);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    const float d = fp16_to_fp32(x[b].d) * y[b].d;
    for (int sub = 0; sub < kQK_K / 32; ++sub) {
      const int low = (x[b].scales_l[sub / 2] >> (4 * (sub % 2))) & 0x0F;
      const int high = (x[b].scales_h >> (2 * sub)) & 3;
      const float ds = d * static_cast<float>((low | (high << 4)) - 32);
      const uint8_t* qs = x[b].qs + 16 * sub;
      const int8_t* q8 = y[b].qs + 32 * sub;
      int sumi1 = 0, sumi2 = 0;
      for (int j = 0; j < 16; ++j) {
        sumi1 += q8[j] * kIQ4NLValues[qs[j] & 0x0F];
        sumi2 += q8[j + 16] * kIQ4NLValues[qs[j] >> 4];
      }
      sum += ds * static_cast<float>(sumi1 + sumi2);
    }
  }
  return sum;
}

}  // namespace shoptalk::kernels::scalar
