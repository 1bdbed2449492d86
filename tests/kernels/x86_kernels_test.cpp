// The AVX2 table against the scalar reference table: every vectorized kernel on random data with
// odd sizes and tails, the tiled GEMM through the matmul driver with 1, 2 and 3 threads. Skipped
// with a warning where the AVX2 table is not built or the CPU lacks AVX2.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <vector>

#include "attention_fixture.h"
#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/quant_table.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "kernels/packed_layout.h"
#include "kernels/thread_pool.h"
#include "test_support.h"

namespace shoptalk::kernels {

namespace {

const KernelTable* avx2_table() {
  Result<const KernelTable*> table = kernels_for(Isa::kAvx2);
  if (!table) {
    WARN("AVX2 kernels unavailable, skipping: " << table.error().message());
    return nullptr;
  }
  return *table;
}

std::vector<uint8_t> quantize_rows(GgmlType type, const std::vector<float>& x, int64_t rows,
                                   int64_t cols) {
  const QuantTypeInfo& info = quant_type_info(type);
  const size_t row_bytes = row_size(info, cols);
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    info.quantize_row(x.data() + r * cols, out.data() + static_cast<size_t>(r) * row_bytes, cols);
  return out;
}

std::vector<uint8_t> convert(const KernelTable& k, GgmlType type, const std::vector<float>& x) {
  std::vector<uint8_t> out(activation_row_bytes(type, static_cast<int64_t>(x.size())));
  k.from_float[static_cast<int>(type)](x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

// Σ|w·a| of the dequantized operands: the scale of the float rounding of a dot product.
double magnitude(GgmlType wt, const uint8_t* w, GgmlType at, const uint8_t* a, int64_t n) {
  std::vector<float> wd(static_cast<size_t>(n)), ad(static_cast<size_t>(n));
  quant_type_info(wt).dequantize_row(w, wd.data(), n);
  quant_type_info(at).dequantize_row(a, ad.data(), n);
  double m = 0.0;
  for (int64_t i = 0; i < n; ++i) m += std::fabs(static_cast<double>(wd[i]) * ad[i]);
  return m;
}

const GgmlType kVectorizedTypes[] = {GgmlType::F32,  GgmlType::F16,  GgmlType::BF16,
                                     GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0,
                                     GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::IQ4_NL,
                                     GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

const GgmlType kPackedTypes[] = {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q5_0,
                                 GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K};

const GgmlType kGemmTypes[] = {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::IQ4_NL,
                               GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16};

}  // namespace

TEST_CASE("AVX2 vec_dot matches the scalar reference for every vectorized type", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : kVectorizedTypes) {
    const QuantTypeInfo& info = quant_type_info(type);
    const TypeKernels& tk = avx2->types[static_cast<int>(type)];
    INFO("type " << info.name);
    REQUIRE(tk.vec_dot_type == ref.types[static_cast<int>(type)].vec_dot_type);
    const int64_t unit = info.block_size > 1 ? info.block_size : 1;
    // Block counts 1, 3, 5, 11 (and odd element counts for the float types: vector tails).
    for (int64_t blocks : {1, 3, 5, 11}) {
      const int64_t n = unit == 1 ? 37 * blocks : unit * blocks * (unit == 32 ? 3 : 1);
      for (uint32_t seed = 1; seed <= 3; ++seed) {
        const std::vector<float> w = test::random_floats(static_cast<size_t>(n), seed);
        const std::vector<float> a = test::random_floats(static_cast<size_t>(n), seed + 50, 2.0f);
        const std::vector<uint8_t> wq = quantize_rows(type, w, 1, n);
        const std::vector<uint8_t> aq = convert(ref, tk.vec_dot_type, a);
        const float want = ref.types[static_cast<int>(type)].vec_dot(n, wq.data(), aq.data());
        const float got = tk.vec_dot(n, wq.data(), aq.data());
        const double tol = 2e-6 * magnitude(type, wq.data(), tk.vec_dot_type, aq.data(), n) + 1e-6;
        INFO("n " << n << " seed " << seed << " want " << want << " got " << got);
        CHECK(std::fabs(static_cast<double>(got) - want) <= tol);
      }
    }
  }
}

TEST_CASE("AVX2 GEMM equals its vec_dot for any tiling and 1, 2, 3 threads", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : kGemmTypes) {
    const QuantTypeInfo& info = quant_type_info(type);
    INFO("type " << info.name);
    const int64_t cols = info.block_size == 256 ? 512 : 160;
    // 1000 rows give the pool enough work to use 2 and 3 threads.
    for (int64_t rows : {1, 5, 37, 1000}) {
      const std::vector<float> w = test::random_floats(static_cast<size_t>(rows * cols), 7);
      const std::vector<uint8_t> wq = quantize_rows(type, w, rows, cols);
      const Weight weight{type, rows, cols, wq.data(), wq.size() / static_cast<size_t>(rows)};
      const TypeKernels& tk = avx2->types[static_cast<int>(type)];
      for (int64_t n_tok = 1; n_tok <= 7; ++n_tok) {
        const std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 8);
        std::vector<float> first;
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          ActivationCache cache;
          cache.reset(x.data(), n_tok, cols);
          const ActivationRows& xa = cache.get(*avx2, pool, tk.vec_dot_type);
          std::vector<float> y(static_cast<size_t>(n_tok * rows));
          matmul(*avx2, pool, weight, xa, y.data(), rows);
          INFO("rows " << rows << " n_tok " << n_tok << " threads " << threads);
          if (first.empty()) {
            first = y;
            for (int64_t t = 0; t < n_tok; ++t) {
              for (int64_t r = 0; r < rows; ++r) {
                const float one = tk.vec_dot(cols, weight.row(r), xa.row(t));
                CHECK(y[t * rows + r] == one);
                const float want =
                    ref.types[static_cast<int>(type)].vec_dot(cols, weight.row(r), xa.row(t));
                const double tol =
                    2e-6 * magnitude(type, weight.row(r), tk.vec_dot_type, xa.row(t), cols) + 1e-6;
                CHECK(std::fabs(static_cast<double>(one) - want) <= tol);
              }
            }
          } else {
            CHECK(y == first);
          }
        }
      }
    }
  }
}

TEST_CASE("AVX2 packed GEMM equals the row-major vec_dot for 1, 2, 3 threads", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  for (GgmlType type : kPackedTypes) {
    const QuantTypeInfo& info = quant_type_info(type);
    const TypeKernels& tk = avx2->types[static_cast<int>(type)];
    INFO("type " << info.name);
    REQUIRE(tk.packed_gemm);
    const int64_t cols = info.block_size == 256 ? 768 : 160;
    // Tail panels of 1-3 rows, panels split between threads, several 8-row thread units.
    for (int64_t rows : {1, 3, 4, 6, 13, 37}) {
      const std::vector<float> w = test::random_floats(static_cast<size_t>(rows * cols), 11);
      const std::vector<uint8_t> wq = quantize_rows(type, w, rows, cols);
      const size_t row_bytes = wq.size() / static_cast<size_t>(rows);
      const PanelShape shape = panel_shape(type, rows, cols);
      std::vector<uint8_t> packed(wq.size());
      pack_panels(shape, wq.data(), 0, shape.blocks(), packed.data());
      const Weight rows_weight{type, rows, cols, wq.data(), row_bytes};
      const Weight packed_weight{type, rows, cols, packed.data(), row_bytes, true};
      for (int64_t n_tok : {1, 2, 3, 4, 5, 9}) {
        const std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 12);
        for (int threads : {1, 2, 3}) {
          ThreadPool pool(threads);
          ActivationCache cache;
          cache.reset(x.data(), n_tok, cols);
          const ActivationRows& xa = cache.get(*avx2, pool, tk.vec_dot_type);
          std::vector<float> y(static_cast<size_t>(n_tok * rows));
          matmul(*avx2, pool, packed_weight, xa, y.data(), rows);
          INFO("rows " << rows << " n_tok " << n_tok << " threads " << threads);
          for (int64_t t = 0; t < n_tok; ++t)
            for (int64_t r = 0; r < rows; ++r)
              CHECK(y[t * rows + r] == tk.vec_dot(cols, rows_weight.row(r), xa.row(t)));
        }
      }
    }
  }
}

TEST_CASE("AVX2 activation conversions are bit-identical to the scalar ones", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (uint32_t seed = 1; seed <= 5; ++seed) {
    std::vector<float> x = test::random_floats(kQK_K * 3, seed, 4.0f);
    // Half-way cases for Q8_0 (amax 127 makes id = 1), a zero block, a dominant positive value.
    x[0] = 127.0f;
    for (int j = 1; j < 32; ++j) x[static_cast<size_t>(j)] = static_cast<float>(j) - 15.5f;
    for (int j = 32; j < 64; ++j) x[static_cast<size_t>(j)] = 0.0f;
    x[300] = 90.0f;
    x[600] = -1e-30f;
    for (GgmlType type :
         {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::F16, GgmlType::BF16}) {
      INFO("type " << quant_type_info(type).name << " seed " << seed);
      const std::vector<float> part(x.begin(), x.begin() + (type == GgmlType::Q8_K ? 768 : 736));
      CHECK(convert(*avx2, type, part) == convert(ref, type, part));
    }
    // Odd lengths for the element types (vector tails), with infinities and NaN.
    std::vector<float> odd(x.begin(), x.begin() + 43);
    odd[5] = INFINITY;
    odd[40] = NAN;
    odd[41] = 70000.0f;
    CHECK(convert(*avx2, GgmlType::F16, odd) == convert(ref, GgmlType::F16, odd));
    CHECK(convert(*avx2, GgmlType::BF16, odd) == convert(ref, GgmlType::BF16, odd));
  }
}

TEST_CASE("AVX2 KV-cache rows convert back to float exactly", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  const std::vector<float> x = test::random_floats(160, 3, 2.0f);
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    INFO("type " << quant_type_info(type).name);
    const int64_t n = type == GgmlType::F16 ? 157 : 160;
    const std::vector<uint8_t> q = quantize_rows(type, x, 1, n);
    std::vector<float> got(static_cast<size_t>(n)), want(static_cast<size_t>(n));
    avx2->types[static_cast<int>(type)].to_float(q.data(), got.data(), n);
    ref.types[static_cast<int>(type)].to_float(q.data(), want.data(), n);
    CHECK(got == want);
  }
}

TEST_CASE("AVX2 float operations match the scalar ones", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (int64_t n : {1, 7, 8, 31, 128, 1027}) {
    INFO("n " << n);
    const size_t sz = static_cast<size_t>(n);
    const std::vector<float> x = test::random_floats(sz, 1, 3.0f);
    const std::vector<float> w = test::random_floats(sz, 2);
    std::vector<float> got(sz), want(sz);
    avx2->rmsnorm(x.data(), w.data(), got.data(), n, 1e-6f);
    ref.rmsnorm(x.data(), w.data(), want.data(), n, 1e-6f);
    for (size_t i = 0; i < sz; ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-7));

    avx2->silu_mul(x.data(), w.data(), got.data(), n);
    ref.silu_mul(x.data(), w.data(), want.data(), n);
    for (size_t i = 0; i < sz; ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-7));

    got = x;
    want = x;
    avx2->add(got.data(), w.data(), n);
    ref.add(want.data(), w.data(), n);
    CHECK(got == want);
    avx2->scale(got.data(), 0.37f, n);
    ref.scale(want.data(), 0.37f, n);
    CHECK(got == want);
  }
  for (RopeStyle style : {RopeStyle::kNorm, RopeStyle::kNeox}) {
    for (int n_rot : {24, 64, 128}) {
      const int head_dim = 128;
      const int n_heads = 3;
      std::vector<float> c(static_cast<size_t>(n_rot / 2)), s(static_cast<size_t>(n_rot / 2));
      ref.rope_cache(17, n_rot, 10000.0f, 1.0f, 1.0f, nullptr, c.data(), s.data());
      const std::vector<float> x = test::random_floats(static_cast<size_t>(n_heads * head_dim), 9);
      std::vector<float> got = x, want = x, scalar = x;
      avx2->rope_apply(got.data(), n_heads, head_dim, n_rot, style, c.data(), s.data());
      ref.rope_apply(scalar.data(), n_heads, head_dim, n_rot, style, c.data(), s.data());
      // The AVX2 rotation fuses like llama.cpp's GCC build: fma(a, cos, -(b·sin)) and
      // fma(a, sin, b·cos); the scalar one rounds every product.
      const int half = n_rot / 2;
      for (int h = 0; h < n_heads; ++h) {
        float* v = want.data() + h * head_dim;
        for (int i = 0; i < half; ++i) {
          const int i0 = style == RopeStyle::kNorm ? 2 * i : i;
          const int i1 = style == RopeStyle::kNorm ? 2 * i + 1 : i + half;
          const float a = v[i0];
          const float b = v[i1];
          const size_t k = static_cast<size_t>(i);
          v[i0] = std::fma(a, c[k], -(b * s[k]));
          v[i1] = std::fma(a, s[k], b * c[k]);
        }
      }
      INFO("n_rot " << n_rot);
      CHECK(got == want);
      for (size_t i = 0; i < got.size(); ++i)
        CHECK(got[i] == Approx(scalar[i]).epsilon(1e-6).margin(1e-6));
    }
  }
}

TEST_CASE("AVX2 attention_row matches the scalar one for F16, Q8_0 and Q4_0 caches",
          "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int head_dim : {64, 128}) {
      for (int64_t n_kv : {1, 2, 63, 64, 65, 200}) {
        INFO(quant_type_info(type).name << " head_dim " << head_dim << " n_kv " << n_kv);
        const test::KvFixture kv(type, head_dim, n_kv);
        const std::vector<float> q = test::random_floats(static_cast<size_t>(head_dim), 77);
        std::vector<float> got(static_cast<size_t>(head_dim)), want(static_cast<size_t>(head_dim));
        avx2->attention_row(*avx2, kv.row(q.data(), got.data()));
        ref.attention_row(ref, kv.row(q.data(), want.data()));
        for (int d = 0; d < head_dim; ++d)
          CHECK(got[static_cast<size_t>(d)] == Approx(want[static_cast<size_t>(d)]).margin(2e-3));
      }
    }
  }
}

TEST_CASE("AVX2 attention_group matches the scalar one (chunk tails, odd groups, fallback)",
          "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int head_dim : {48, 64, 128}) {
      if (head_dim % quant_type_info(type).block_size != 0) continue;
      for (int64_t n_kv : {1, 7, 32, 33, 100, 600}) {
        for (int n_query : {1, 2, 3, 8}) {
          INFO(quant_type_info(type).name << " head_dim " << head_dim << " n_kv " << n_kv
                                          << " queries " << n_query);
          const test::KvFixture kv(type, head_dim, n_kv);
          const size_t n = static_cast<size_t>(head_dim * n_query);
          const std::vector<float> q = test::random_floats(n, 78, 3.0f);
          std::vector<float> got(n), want(n);
          avx2->attention_group(*avx2, {kv.row(q.data(), got.data()), n_query, head_dim, head_dim});
          ref.attention_group(ref, {kv.row(q.data(), want.data()), n_query, head_dim, head_dim});
          for (size_t i = 0; i < n; ++i)
            CHECK(got[i] == Approx(want[i]).epsilon(1e-4).margin(1e-5));
        }
      }
    }
  }
}

TEST_CASE("kernel levels that are not built or not supported give a clear error",
          "[kernels][x86]") {
  for (Isa isa : {Isa::kAvxVnni, Isa::kAvx512, Isa::kNeon}) {
    Result<const KernelTable*> table = kernels_for(isa);
    REQUIRE_FALSE(table);
    CHECK(table.error().message().find(isa_name(isa)) != std::string::npos);
  }
  const Result<const KernelTable*> scalar = kernels_for(Isa::kScalar);
  REQUIRE(scalar);
  CHECK((*scalar)->isa == Isa::kScalar);
}

}  // namespace shoptalk::kernels
