// Reference (de)quantizers: fp16/bf16 conversions, hand-built blocks of every type (including the
// worked examples of docs/formats.md), every quantized tensor of the reference models
// against its F32 source, and our quantizers against llama.cpp's on the same tensors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/gguf.h"
#include "formats/k_scales.h"
#include "formats/quant_table.h"
#include "formats/reference_quants.h"
#include "test_support.h"

using namespace shoptalk;

namespace {

std::vector<float> dequantize(GgmlType type, const void* data, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  quant_type_info(type).dequantize_row(data, out.data(), n);
  return out;
}

std::vector<uint8_t> quantize(GgmlType type, const float* x, int64_t n) {
  const QuantTypeInfo& info = quant_type_info(type);
  std::vector<uint8_t> out(row_size(info, n));
  info.quantize_row(x, out.data(), n);
  return out;
}

double sum_squared_error(const float* a, const float* b, size_t n) {
  double sum = 0.0;
  for (size_t i = 0; i < n; ++i)
    sum += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
  return sum;
}

double sum_squares(const float* a, size_t n) {
  return sum_squared_error(a, std::vector<float>(n).data(), n);
}

// Relative RMSE of quantize -> dequantize over x.
double round_trip_relative_rmse(GgmlType type, const std::vector<float>& x) {
  const std::vector<uint8_t> q = quantize(type, x.data(), static_cast<int64_t>(x.size()));
  const std::vector<float> y = dequantize(type, q.data(), static_cast<int64_t>(x.size()));
  return std::sqrt(sum_squared_error(x.data(), y.data(), x.size()) /
                   sum_squares(x.data(), x.size()));
}

gguf::GgufFile open_gguf(const std::string& path) {
  Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
  INFO(path << ": " << (file ? std::string() : file.error().message()));
  REQUIRE(file);
  return std::move(file).value();
}

// "reference/models/qwen3/qwen3-Q4_0.gguf" -> "reference/models/qwen3/qwen3-F32.gguf".
std::string f32_sibling(const std::string& relative) {
  const size_t slash = relative.rfind('/');
  const size_t dash = relative.find('-', slash);
  return relative.substr(0, dash) + "-F32.gguf";
}

// Every reference model file that is not itself the F32 source and whose F32 source is present
// (tests/data ships quantized files only; the F32 sources come with ../shared).
std::vector<std::string> quantized_reference_files() {
  std::vector<std::string> out;
  for (const std::string& file : test::list_reference("reference/models", ".gguf"))
    if (file.find("-F32.gguf") == std::string::npos && test::find_reference(f32_sibling(file)))
      out.push_back(file);
  return out;
}

uint16_t bits_of_half(float f) {
  const uint16_t h = fp32_to_fp16(f);
  REQUIRE(fp16_to_fp32(h) == f);  // only exactly representable values are used to build blocks
  return h;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// fp16 / bf16

TEST_CASE("fp16: every half converts to float and back unchanged", "[quants][fp16]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    const uint16_t back = fp32_to_fp16(f);
    const bool is_nan = (h & 0x7C00u) == 0x7C00u && (h & 0x03FFu) != 0;
    if (is_nan) {
      REQUIRE(std::isnan(f));
      REQUIRE((back & 0x7C00u) == 0x7C00u);
      REQUIRE((back & 0x03FFu) != 0);
      REQUIRE((back & 0x8000u) == (h & 0x8000u));
    } else if (back != h) {
      FAIL("half 0x" << std::hex << h << " came back as 0x" << back);
    }
  }
}

TEST_CASE("fp16: fp32_to_fp16 rounds to nearest even", "[quants][fp16]") {
  // Halfway cases tie to the even mantissa.
  CHECK(fp32_to_fp16(1.0f + 0x1p-11f) == 0x3C00);             // between 0x3C00 and 0x3C01
  CHECK(fp32_to_fp16(1.0f + 3 * 0x1p-11f) == 0x3C02);         // between 0x3C01 and 0x3C02
  CHECK(fp32_to_fp16(1.0f + 0x1p-11f + 0x1p-23f) == 0x3C01);  // just above halfway
  CHECK(fp32_to_fp16(-(1.0f + 0x1p-11f)) == 0xBC00);
  CHECK(fp32_to_fp16(2049.0f) == 0x6800);  // 2048 + half an ulp (ulp 2)
  CHECK(fp32_to_fp16(2051.0f) == 0x6802);
  // Overflow: 65504 is the largest half; 65520 (halfway to 65536) and above give infinity.
  CHECK(fp32_to_fp16(65504.0f) == 0x7BFF);
  CHECK(fp32_to_fp16(65519.99f) == 0x7BFF);
  CHECK(fp32_to_fp16(65520.0f) == 0x7C00);
  CHECK(fp32_to_fp16(1e30f) == 0x7C00);
  CHECK(fp32_to_fp16(-1e30f) == 0xFC00);
  CHECK(fp32_to_fp16(INFINITY) == 0x7C00);
  CHECK(fp32_to_fp16(-INFINITY) == 0xFC00);
  CHECK(std::isnan(fp16_to_fp32(fp32_to_fp16(NAN))));
  // Zeros and subnormals (multiples of 2^-24).
  CHECK(fp32_to_fp16(0.0f) == 0x0000);
  CHECK(fp32_to_fp16(-0.0f) == 0x8000);
  CHECK(fp32_to_fp16(0x1p-24f) == 0x0001);
  CHECK(fp32_to_fp16(0x1p-25f) == 0x0000);  // halfway between 0 and 2^-24: even is 0
  CHECK(fp32_to_fp16(0x1p-25f + 0x1p-40f) == 0x0001);
  CHECK(fp32_to_fp16(3 * 0x1p-25f) == 0x0002);  // halfway between 1 and 2 ulps
  CHECK(fp32_to_fp16(-0x1p-26f) == 0x8000);
  CHECK(fp32_to_fp16(1023 * 0x1p-24f) == 0x03FF);     // largest subnormal
  CHECK(fp32_to_fp16(1023.5f * 0x1p-24f) == 0x0400);  // ties up into the smallest normal
  CHECK(fp32_to_fp16(0x1p-14f) == 0x0400);

  // Random floats over the whole half range: the result is a nearest half, even on ties.
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> mantissa(1.0f, 2.0f);
  std::uniform_int_distribution<int> exponent(-27, 15);
  auto half_value = [](uint32_t magnitude) {
    return magnitude >= 0x7C00u
               ? 65536.0
               : static_cast<double>(fp16_to_fp32(static_cast<uint16_t>(magnitude)));
  };
  for (int i = 0; i < 20000; ++i) {
    const float f = std::ldexp(mantissa(rng), exponent(rng));
    const uint32_t m = fp32_to_fp16(f);
    REQUIRE(m < 0x7C00u);
    const double err = std::fabs(f - half_value(m));
    if (m > 0) REQUIRE(err <= std::fabs(f - half_value(m - 1)));
    const double err_up = std::fabs(f - half_value(m + 1));
    REQUIRE(err <= err_up);
    if (err == err_up) REQUIRE((m & 1u) == 0);
  }
}

TEST_CASE("bf16: conversions round to nearest even and round-trip", "[quants][fp16]") {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = bf16_to_fp32(static_cast<uint16_t>(h));
    const uint16_t back = fp32_to_bf16(f);
    if (std::isnan(f)) {
      REQUIRE(std::isnan(bf16_to_fp32(back)));
      REQUIRE((back & 0x8000u) == (h & 0x8000u));
    } else if (back != h) {
      FAIL("bf16 0x" << std::hex << h << " came back as 0x" << back);
    }
  }
  CHECK(fp32_to_bf16(1.0f + 0x1p-8f) == 0x3F80);  // halfway: ties to even
  CHECK(fp32_to_bf16(1.0f + 3 * 0x1p-8f) == 0x3F82);
  CHECK(fp32_to_bf16(1.0f + 0x1p-8f + 0x1p-23f) == 0x3F81);
  CHECK(fp32_to_bf16(-(1.0f + 0x1p-8f)) == 0xBF80);
  CHECK(fp32_to_bf16(3.4028235e38f) == 0x7F80);  // FLT_MAX rounds up to infinity
  CHECK(fp32_to_bf16(-INFINITY) == 0xFF80);
  CHECK(fp32_to_bf16(0x1p-133f) == 0x0001);  // subnormal bf16
  CHECK(fp32_to_bf16(0x1p-134f) == 0x0000);  // halfway to the smallest subnormal: even is 0
  const uint16_t nan = fp32_to_bf16(bits_float(0x7F800001u));  // signalling NaN stays NaN (quieted)
  CHECK(nan == 0x7FC0);
}

// ---------------------------------------------------------------------------------------------
// Hand-built blocks

TEST_CASE("legacy blocks dequantize to known values", "[quants][blocks]") {
  SECTION("Q4_0 worked example (docs/formats.md)") {
    BlockQ4_0 b{};
    b.d = 0x3C00;
    b.qs[0] = 0x9F;
    const auto x = dequantize(GgmlType::Q4_0, &b, kQK);
    CHECK(x[0] == 7.0f);
    CHECK(x[16] == 1.0f);
    CHECK(x[1] == -8.0f);
  }
  SECTION("Q4_1") {
    BlockQ4_1 b{};
    b.d = bits_of_half(0.5f);
    b.m = bits_of_half(-1.0f);
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto x = dequantize(GgmlType::Q4_1, &b, kQK);
    CHECK(x[0] == -1.0f);
    CHECK(x[15] == 6.5f);
    CHECK(x[16] == 6.5f);
    CHECK(x[31] == -1.0f);
    CHECK(x[5] == 1.5f);
  }
  SECTION("Q5_0") {
    BlockQ5_0 b{};
    b.d = bits_of_half(0.25f);
    const uint32_t qh = 0x80000002u;  // fifth bit set for elements 1 and 31
    std::memcpy(b.qh, &qh, 4);
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto x = dequantize(GgmlType::Q5_0, &b, kQK);
    CHECK(x[0] == -4.0f);    // q 0
    CHECK(x[1] == 0.25f);    // q 1 + 16
    CHECK(x[2] == -3.5f);    // q 2
    CHECK(x[16] == -0.25f);  // q 15
    CHECK(x[31] == 0.0f);    // q 0 + 16
  }
  SECTION("Q5_1") {
    BlockQ5_1 b{};
    b.d = bits_of_half(2.0f);
    b.m = bits_of_half(1.0f);
    const uint32_t qh = 0x00010001u;  // elements 0 and 16
    std::memcpy(b.qh, &qh, 4);
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto x = dequantize(GgmlType::Q5_1, &b, kQK);
    CHECK(x[0] == 33.0f);   // q 16
    CHECK(x[3] == 7.0f);    // q 3
    CHECK(x[16] == 63.0f);  // q 31
    CHECK(x[17] == 29.0f);  // q 14
  }
  SECTION("Q8_0 and Q8_1") {
    BlockQ8_0 b{};
    b.d = bits_of_half(0.5f);
    for (int j = 0; j < kQK; ++j) b.qs[j] = static_cast<int8_t>(8 * j - 128);
    const auto x = dequantize(GgmlType::Q8_0, &b, kQK);
    CHECK(x[0] == -64.0f);
    CHECK(x[16] == 0.0f);
    CHECK(x[31] == 60.0f);
    BlockQ8_1 b1{};
    b1.d = b.d;
    std::memcpy(b1.qs, b.qs, kQK);
    CHECK(dequantize(GgmlType::Q8_1, &b1, kQK) == x);
  }
  SECTION("IQ4_NL") {
    BlockIQ4_NL b{};
    b.d = bits_of_half(0.5f);
    for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>(j | ((15 - j) << 4));
    const auto x = dequantize(GgmlType::IQ4_NL, &b, kQK);
    CHECK(x[0] == -63.5f);
    CHECK(x[8] == 0.5f);
    CHECK(x[15] == 56.5f);
    CHECK(x[16] == 56.5f);
    CHECK(x[31] == -63.5f);
    CHECK(x[22] == 6.5f);  // high nibble of byte 6 is 9: T[9] = 13
  }
}

TEST_CASE("K-quant scale packing", "[quants][blocks]") {
  const uint8_t packed[12] = {0x81, 0x42, 0xC3, 0x04, 0x45, 0x86,
                              0x07, 0xC8, 0x9A, 0xBC, 0xDE, 0xF1};
  SECTION("Q4_K 6-bit scales and mins (docs/formats.md)") {
    const int expected[8][2] = {{1, 5},   {2, 6},   {3, 7},   {4, 8},
                                {42, 25}, {28, 43}, {62, 13}, {1, 63}};
    uint8_t scales[8], mins[8];
    for (int j = 0; j < 8; ++j) {
      unpack_scale_min_k4(j, packed, &scales[j], &mins[j]);
      CHECK(scales[j] == expected[j][0]);
      CHECK(mins[j] == expected[j][1]);
    }
    uint8_t repacked[12];
    pack_scales_mins_k4(scales, mins, repacked);
    CHECK(std::memcmp(repacked, packed, 12) == 0);
  }
  SECTION("Q3_K signed 6-bit scales (docs/formats.md)") {
    const int expected[16] = {1, -30, 3, -12, 5, 22, 23, -24, -8, 20, -4, 16, 4, 8, 16, 28};
    int8_t scales[16];
    unpack_scales_q3_k(packed, scales);
    for (int i = 0; i < 16; ++i) CHECK(scales[i] == expected[i]);
    uint8_t repacked[12];
    pack_scales_q3_k(scales, repacked);
    CHECK(std::memcmp(repacked, packed, 12) == 0);
  }
  SECTION("every bit pattern round-trips") {
    // All 96 bits carry information in both packings, so unpack is a bijection.
    std::mt19937 rng(3);
    for (int trial = 0; trial < 200; ++trial) {
      uint8_t bytes[12], repacked[12];
      for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(rng());
      uint8_t scales[8], mins[8];
      for (int j = 0; j < 8; ++j) unpack_scale_min_k4(j, bytes, &scales[j], &mins[j]);
      pack_scales_mins_k4(scales, mins, repacked);
      REQUIRE(std::memcmp(repacked, bytes, 12) == 0);
      int8_t signed_scales[16];
      unpack_scales_q3_k(bytes, signed_scales);
      pack_scales_q3_k(signed_scales, repacked);
      REQUIRE(std::memcmp(repacked, bytes, 12) == 0);
    }
  }
}

TEST_CASE("K-quant blocks dequantize to known values", "[quants][blocks]") {
  const uint8_t packed_scales[12] = {0x81, 0x42, 0xC3, 0x04, 0x45, 0x86,
                                     0x07, 0xC8, 0x9A, 0xBC, 0xDE, 0xF1};
  SECTION("Q4_K worked example (docs/formats.md)") {
    BlockQ4_K b{};
    b.d = 0x3C00;
    b.dmin = 0x3800;
    std::memcpy(b.scales, packed_scales, 12);
    std::memset(b.qs, 0x21, sizeof b.qs);
    const auto x = dequantize(GgmlType::Q4_K, &b, kQK_K);
    const float expected[8] = {-1.5f, 1.0f, -0.5f, 4.0f, 29.5f, 34.5f, 55.5f, -29.5f};
    for (int e = 0; e < kQK_K; ++e) REQUIRE(x[e] == expected[e / 32]);
  }
  SECTION("Q3_K worked example (docs/formats.md)") {
    BlockQ3_K b{};
    b.d = 0x3C00;
    std::memcpy(b.scales, packed_scales, 12);
    std::memset(b.qs, 0xE4, sizeof b.qs);
    std::memset(b.hmask, 0x0F, sizeof b.hmask);
    const auto x = dequantize(GgmlType::Q3_K, &b, kQK_K);
    const float expected[16] = {0,  -0.0f, 3,  -12, 10, 44,  69,  -72,
                                32, -80,   12, -48, -8, -16, -16, -28};
    for (int e = 0; e < kQK_K; ++e) {
      REQUIRE(x[e] == expected[e / 16]);
      REQUIRE(std::signbit(x[e]) == std::signbit(expected[e / 16]));
    }
  }
  SECTION("Q2_K") {
    BlockQ2_K b{};
    b.d = 0x3C00;     // 1.0
    b.dmin = 0x3800;  // 0.5
    for (int sub = 0; sub < 16; ++sub) b.scales[sub] = static_cast<uint8_t>(sub | (1 << 4));
    std::memset(b.qs, 0xE4, sizeof b.qs);  // code of element e = bit pair (e % 128) / 32
    const auto x = dequantize(GgmlType::Q2_K, &b, kQK_K);
    CHECK(x[0] == -0.5f);    // scale 0
    CHECK(x[40] == 1.5f);    // scale 2, code 1
    CHECK(x[127] == 20.5f);  // scale 7, code 3
    CHECK(x[200] == 23.5f);  // scale 12, code 2
    CHECK(x[255] == 44.5f);  // scale 15, code 3
  }
  SECTION("Q5_K") {
    BlockQ5_K b{};
    b.d = 0x3C00;
    b.dmin = 0x3800;
    std::memcpy(b.scales, packed_scales, 12);
    std::memset(b.qs, 0x21, sizeof b.qs);
    std::memset(b.qh, 0xAA, sizeof b.qh);  // fifth bit set in the odd sub-blocks
    const auto x = dequantize(GgmlType::Q5_K, &b, kQK_K);
    CHECK(x[0] == -1.5f);     // (1, 5): 1 * 1 - 2.5
    CHECK(x[32] == 33.0f);    // (2, 6): 2 * 18 - 3
    CHECK(x[128] == 29.5f);   // (42, 25): 42 * 1 - 12.5
    CHECK(x[255] == -13.5f);  // (1, 63): 1 * 18 - 31.5
  }
  SECTION("Q6_K") {
    BlockQ6_K b{};
    b.d = bits_of_half(0.5f);
    for (int sub = 0; sub < 16; ++sub) b.scales[sub] = static_cast<int8_t>(sub - 8);
    std::memset(b.ql, 0x21, sizeof b.ql);  // low 4 bits: 1 for groups 0-1, 2 for groups 2-3
    std::memset(b.qh, 0xE4, sizeof b.qh);  // high 2 bits: the group index
    const auto x = dequantize(GgmlType::Q6_K, &b, kQK_K);
    CHECK(x[0] == 124.0f);    // (0.5 * -8) * (1 - 32)
    CHECK(x[40] == 45.0f);    // (0.5 * -6) * (17 - 32)
    CHECK(x[80] == -3.0f);    // (0.5 * -3) * (34 - 32)
    CHECK(x[176] == -22.5f);  // (0.5 * 3) * (17 - 32)
    CHECK(x[255] == 63.0f);   // (0.5 * 7) * (50 - 32)
  }
  SECTION("Q8_K") {
    BlockQ8_K b{};
    b.d = -0.25f;
    for (int j = 0; j < kQK_K; ++j) b.qs[j] = static_cast<int8_t>(j - 128);
    const auto x = dequantize(GgmlType::Q8_K, &b, kQK_K);
    CHECK(x[0] == 32.0f);
    CHECK(x[128] == -0.0f);
    CHECK(x[255] == -31.75f);
  }
  SECTION("IQ4_XS") {
    BlockIQ4_XS b{};
    b.d = bits_of_half(0.25f);
    for (int ib = 0; ib < 8; ++ib) {
      const int ls = 28 + ib;  // sub-block scale ls - 32 = ib - 4
      b.scales_l[ib / 2] |= static_cast<uint8_t>((ls & 0x0F) << (4 * (ib % 2)));
      b.scales_h |= static_cast<uint16_t>((ls >> 4) << (2 * ib));
    }
    std::memset(b.qs, 0x8F, sizeof b.qs);  // low nibble 15 -> 113, high nibble 8 -> 1
    const auto x = dequantize(GgmlType::IQ4_XS, &b, kQK_K);
    CHECK(x[0] == -113.0f);
    CHECK(x[16] == -1.0f);
    CHECK(x[128] == 0.0f);
    CHECK(x[224] == 84.75f);
    CHECK(x[240] == 0.75f);
  }
}

// ---------------------------------------------------------------------------------------------
// The quant table

TEST_CASE("quant table names parse back and ids are bounded", "[quants][table]") {
  for (int32_t id = 0; id < kGgmlTypeCount; ++id) {
    const QuantTypeInfo* info = quant_type_info(id);
    REQUIRE(info != nullptr);
    REQUIRE(static_cast<int32_t>(info->type) == id);
    if (!info->name) continue;
    const auto parsed = quant_type_from_name(info->name);
    REQUIRE(parsed.has_value());
    CHECK(*parsed == info->type);
    std::string upper = info->name;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(quant_type_from_name(upper) == info->type);
  }
  CHECK(quant_type_info(-1) == nullptr);
  CHECK(quant_type_info(kGgmlTypeCount) == nullptr);
  CHECK(quant_type_info(1000) == nullptr);
  CHECK_FALSE(quant_type_from_name("q4_k_m").has_value());
  CHECK_FALSE(quant_type_from_name("").has_value());
}

// ---------------------------------------------------------------------------------------------
// Reference model tensors

namespace {
// Largest relative RMSE (||dequant - f32|| / ||f32||) of a whole tensor, per type. Uniform
// rounding error is step/sqrt(12); the step of each format relative to the data's RMS sigma, for
// blocks of Gaussian-like weights, gives the expected value: fp16 2^-11 relative step (~3e-4),
// bf16 2^-8 (~2.3e-3); Q8_0 step amax/127 with amax ~2.5 sigma per 32 (~6e-3); 4-bit formats
// ~0.08-0.1, 5-bit ~0.04-0.05, Q6_K ~0.02. The bounds leave ~1.5x headroom over that.
double max_relative_rmse(GgmlType type) {
  switch (type) {
    case GgmlType::F16:
      return 5e-4;
    case GgmlType::BF16:
      return 4e-3;
    case GgmlType::Q8_0:
      return 0.01;
    case GgmlType::Q6_K:
      return 0.03;
    case GgmlType::Q5_0:
    case GgmlType::Q5_K:
      return 0.06;
    case GgmlType::Q4_1:
    case GgmlType::Q4_K:
      return 0.12;
    case GgmlType::Q4_0:
      return 0.15;
    default:
      return 0.0;
  }
}
}  // namespace

TEST_CASE("every reference tensor dequantizes close to its F32 source", "[quants][reference]") {
  const std::vector<std::string> files = quantized_reference_files();
  if (files.empty()) {
    WARN("no reference models found; skipped");
    return;
  }
  std::map<GgmlType, std::pair<double, double>> per_type;  // type -> (sum err^2, sum x^2)
  for (const std::string& relative : files) {
    const auto f32_path = test::find_reference(f32_sibling(relative));
    REQUIRE(f32_path);
    const gguf::GgufFile quantized = open_gguf(*test::find_reference(relative));
    const gguf::GgufFile source = open_gguf(*f32_path);
    for (const gguf::TensorInfo& t : quantized.tensors()) {
      if (t.type == GgmlType::F32) continue;
      INFO(relative << " " << t.name << " " << quant_type_info(t.type).name);
      const gguf::TensorInfo* s = source.find_tensor(t.name);
      REQUIRE(s != nullptr);
      REQUIRE(s->type == GgmlType::F32);
      REQUIRE(s->n_elements() == t.n_elements());
      const QuantTypeInfo& info = quant_type_info(t.type);
      REQUIRE(info.dequantize_row != nullptr);
      REQUIRE(t.nbytes == row_size(info, t.ne[0]) * static_cast<uint64_t>(t.n_rows()));
      const auto x = dequantize(t.type, t.data, t.n_elements());
      const auto* f32 = reinterpret_cast<const float*>(s->data);
      const double err = sum_squared_error(x.data(), f32, x.size());
      const double ref = sum_squares(f32, x.size());
      const double rel = std::sqrt(err / ref);
      INFO("relative rmse " << rel);
      CHECK(rel <= max_relative_rmse(t.type));
      per_type[t.type].first += err;
      per_type[t.type].second += ref;
    }
  }
  for (const auto& [type, sums] : per_type)
    std::printf("dequantized reference tensors %-5s relative rmse %.5f\n",
                quant_type_info(type).name, std::sqrt(sums.first / sums.second));
}

// ---------------------------------------------------------------------------------------------
// Quantizers

TEST_CASE("quantizers round-trip random data", "[quants][quantize]") {
  // Relative RMSE bounds on N(0,1) data: roughly 1.3x what these formats reach (see above).
  const std::pair<GgmlType, double> cases[] = {
      {GgmlType::F16, 5e-4},    {GgmlType::BF16, 4e-3},   {GgmlType::Q8_0, 0.01},
      {GgmlType::Q8_1, 0.01},   {GgmlType::Q8_K, 0.01},   {GgmlType::Q6_K, 0.03},
      {GgmlType::Q5_1, 0.05},   {GgmlType::Q5_0, 0.06},   {GgmlType::Q5_K, 0.05},
      {GgmlType::Q4_1, 0.11},   {GgmlType::Q4_0, 0.13},   {GgmlType::Q4_K, 0.1},
      {GgmlType::IQ4_NL, 0.12}, {GgmlType::IQ4_XS, 0.12}, {GgmlType::Q3_K, 0.2},
      {GgmlType::Q2_K, 0.4},
  };
  const std::vector<float> x = test::random_floats(8 * kQK_K, 11);
  for (const auto& [type, bound] : cases) {
    const double rel = round_trip_relative_rmse(type, x);
    INFO(quant_type_info(type).name << " relative rmse " << rel);
    CHECK(rel <= bound);
  }
}

TEST_CASE("quantizers handle zero and constant blocks", "[quants][quantize]") {
  for (int32_t id = 0; id < kGgmlTypeCount; ++id) {
    const QuantTypeInfo& info = *quant_type_info(id);
    if (!info.quantize_row || !info.dequantize_row) continue;
    INFO(info.name);
    const std::vector<float> zeros(kQK_K, 0.0f);
    const auto q = quantize(info.type, zeros.data(), kQK_K);
    for (float v : dequantize(info.type, q.data(), kQK_K)) REQUIRE(v == 0.0f);
    // A constant is representable up to fp16 rounding of the scales (relative 2^-11 per factor).
    const std::vector<float> constant(kQK_K, -0.75f);
    CHECK(round_trip_relative_rmse(info.type, constant) <= 2e-3);
  }
}

TEST_CASE("Q8_K quantizer follows the activation formula", "[quants][quantize]") {
  std::vector<float> x = test::random_floats(2 * kQK_K, 5);
  x[10] = 4.0f;          // largest magnitude positive: d is negative, its code is -127
  x[kQK_K + 3] = -5.0f;  // largest magnitude negative: d is positive
  BlockQ8_K b[2];
  reference::quantize_row_q8_k(x.data(), b, 2 * kQK_K);
  CHECK(b[0].d == 1.0f / (-127.0f / 4.0f));
  CHECK(b[0].qs[10] == -127);
  CHECK(b[1].d == 1.0f / (-127.0f / -5.0f));
  CHECK(b[1].qs[3] == -127);
  for (int i = 0; i < 2; ++i) {
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += b[i].qs[16 * g + l];
      REQUIRE(b[i].bsums[g] == sum);
    }
    for (int j = 0; j < kQK_K; ++j)
      REQUIRE(std::fabs(b[i].d * b[i].qs[j] - x[kQK_K * i + j]) <= std::fabs(b[i].d) * 0.5001f);
  }
}

namespace {
// Rows used to compare quantizers on one tensor: evenly spaced, at most kSampleRows of them.
constexpr int64_t kSampleRows = 16;

struct QuantizerComparison {
  double ours = 0.0;    // sum of squared error of our quantizer
  double llama = 0.0;   // sum of squared error of the file's (llama.cpp's) blocks
  double energy = 0.0;  // sum of squares of the source
  size_t blocks = 0;
  size_t identical_blocks = 0;
};
}  // namespace

TEST_CASE("quantizers match llama.cpp's quality on reference tensors",
          "[quants][quantize][reference]") {
  const std::vector<std::string> files = quantized_reference_files();
  if (files.empty()) {
    WARN("no reference models found; skipped");
    return;
  }
  std::map<GgmlType, QuantizerComparison> per_type;
  for (const std::string& relative : files) {
    const gguf::GgufFile quantized = open_gguf(*test::find_reference(relative));
    const gguf::GgufFile source = open_gguf(*test::find_reference(f32_sibling(relative)));
    for (const gguf::TensorInfo& t : quantized.tensors()) {
      const QuantTypeInfo& info = quant_type_info(t.type);
      if (info.block_size == 1) continue;  // float types are covered by the conversion tests
      const gguf::TensorInfo* s = source.find_tensor(t.name);
      REQUIRE(s != nullptr);
      const int64_t n = t.ne[0];
      const size_t row_bytes = row_size(info, n);
      const int64_t rows = t.n_rows();
      const int64_t stride = std::max<int64_t>(1, rows / kSampleRows);
      QuantizerComparison& cmp = per_type[t.type];
      for (int64_t r = 0; r < rows; r += stride) {
        const float* x = reinterpret_cast<const float*>(s->data) + r * n;
        const uint8_t* theirs = t.data + static_cast<size_t>(r) * row_bytes;
        const auto ours = quantize(t.type, x, n);
        const auto y_ours = dequantize(t.type, ours.data(), n);
        const auto y_theirs = dequantize(t.type, theirs, n);
        cmp.ours += sum_squared_error(x, y_ours.data(), static_cast<size_t>(n));
        cmp.llama += sum_squared_error(x, y_theirs.data(), static_cast<size_t>(n));
        cmp.energy += sum_squares(x, static_cast<size_t>(n));
        for (size_t off = 0; off < row_bytes; off += static_cast<size_t>(info.type_size)) {
          ++cmp.blocks;
          cmp.identical_blocks += std::memcmp(ours.data() + off, theirs + off,
                                              static_cast<size_t>(info.type_size)) == 0;
        }
      }
    }
  }
  for (const auto& [type, cmp] : per_type) {
    const char* name = quant_type_info(type).name;
    const double ratio = std::sqrt(cmp.ours / cmp.llama);
    std::printf(
        "quantizer %-5s rmse ours/llama.cpp %.4f (relative rmse %.5f vs %.5f), identical blocks "
        "%zu/%zu\n",
        name, ratio, std::sqrt(cmp.ours / cmp.energy), std::sqrt(cmp.llama / cmp.energy),
        cmp.identical_blocks, cmp.blocks);
    INFO(name << " ratio " << ratio);
    CHECK(ratio <= 1.02);
    // The 32-element formats are closed-form (docs/formats.md), and our K-quant searches evaluate
    // the same candidates in the same float order as llama.cpp's: every block must be identical.
    CHECK(cmp.identical_blocks == cmp.blocks);
  }
}

TEST_CASE("search quantizers on real tensors", "[quants][quantize][reference]") {
  // No reference file holds Q2_K, Q3_K or IQ4 tensors: check them on real weights against the
  // format ladder instead (more bits never hurt, and the non-linear codebook beats Q4_0 at the
  // same size), and print the levels reached.
  const auto path = test::find_reference("reference/models/qwen3/qwen3-F32.gguf");
  if (!path) {
    WARN("qwen3-F32.gguf not found; skipped");
    return;
  }
  const gguf::GgufFile source = open_gguf(*path);
  const gguf::TensorInfo* t = source.find_tensor("blk.0.ffn_down.weight");
  REQUIRE(t != nullptr);
  const int64_t n = std::min<int64_t>(t->n_elements(), 64 * kQK_K);
  const std::vector<float> x(reinterpret_cast<const float*>(t->data),
                             reinterpret_cast<const float*>(t->data) + n);
  std::map<GgmlType, double> rel;
  for (GgmlType type :
       {GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_0, GgmlType::Q4_K, GgmlType::IQ4_NL,
        GgmlType::IQ4_XS, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::Q8_K}) {
    rel[type] = round_trip_relative_rmse(type, x);
    std::printf("quantizer %-6s on blk.0.ffn_down relative rmse %.5f\n", quant_type_info(type).name,
                rel[type]);
  }
  CHECK(rel[GgmlType::Q3_K] < rel[GgmlType::Q2_K]);
  CHECK(rel[GgmlType::Q4_K] < rel[GgmlType::Q3_K]);
  CHECK(rel[GgmlType::IQ4_NL] < rel[GgmlType::Q4_0]);
  CHECK(rel[GgmlType::IQ4_XS] < rel[GgmlType::Q4_0]);
  CHECK(rel[GgmlType::Q5_K] < rel[GgmlType::Q4_K]);
  CHECK(rel[GgmlType::Q6_K] < rel[GgmlType::Q5_K]);
  CHECK(rel[GgmlType::Q8_K] < rel[GgmlType::Q6_K]);
}
