// Packing of the 6-bit sub-block scales of the K-quants (docs/formats.md).
// Shared by the reference (de)quantizers and the kernels, which unpack the same 12 bytes.
#pragma once

#include <cstdint>
#include <cstring>

namespace shoptalk {

// Q4_K / Q5_K: 8 six-bit scales and 8 six-bit mins in 12 bytes. Bytes 0-3 hold scales 0-3 and
// bytes 4-7 mins 0-3 in their low 6 bits; scales and mins 4-7 keep their low 4 bits in bytes 8-11
// (scale in the low nibble, min in the high nibble) and their top 2 bits in bits 6-7 of bytes 0-3
// (scales) and 4-7 (mins).
inline void unpack_scale_min_k4(int sub, const uint8_t packed[12], uint8_t* scale, uint8_t* min) {
  if (sub < 4) {
    *scale = packed[sub] & 63;
    *min = packed[sub + 4] & 63;
  } else {
    *scale = static_cast<uint8_t>((packed[sub + 4] & 0x0F) | ((packed[sub - 4] >> 6) << 4));
    *min = static_cast<uint8_t>((packed[sub + 4] >> 4) | ((packed[sub] >> 6) << 4));
  }
}

// Inverse of unpack_scale_min_k4; every scale and min must be in [0, 63].
inline void pack_scales_mins_k4(const uint8_t scales[8], const uint8_t mins[8],
                                uint8_t packed[12]) {
  for (int sub = 0; sub < 4; ++sub) {
    packed[sub] = static_cast<uint8_t>(scales[sub] | ((scales[sub + 4] >> 4) << 6));
    packed[sub + 4] = static_cast<uint8_t>(mins[sub] | ((mins[sub + 4] >> 4) << 6));
    packed[sub + 8] =
        static_cast<uint8_t>((scales[sub + 4] & 0x0F) | ((mins[sub + 4] & 0x0F) << 4));
  }
}

// Q3_K: 16 signed six-bit scales stored with offset 32. Bytes 0-7 hold the low 4 bits (scales 0-7
// in the low nibbles, 8-15 in the high nibbles); bits 2k..2k+1 of byte 8+r are the top 2 bits of
// scale 4k+r.
inline void unpack_scales_q3_k(const uint8_t packed[12], int8_t scales[16]) {
  for (int i = 0; i < 16; ++i) {
    const int low4 = i < 8 ? (packed[i] & 0x0F) : (packed[i - 8] >> 4);
    const int high2 = (packed[8 + i % 4] >> (2 * (i / 4))) & 3;
    scales[i] = static_cast<int8_t>((low4 | (high2 << 4)) - 32);
  }
}

// Inverse of unpack_scales_q3_k; every scale must be in [-32, 31].
inline void pack_scales_q3_k(const int8_t scales[16], uint8_t packed[12]) {
  std::memset(packed, 0, 12);
  for (int i = 0; i < 16; ++i) {
    const int biased = scales[i] + 32;
    packed[i % 8] |= static_cast<uint8_t>((biased & 0x0F) << (4 * (i / 8)));
    packed[8 + i % 4] |= static_cast<uint8_t>((biased >> 4) << (2 * (i / 4)));
  }
}

}  // namespace shoptalk
