// The x86 tables (AVX2, AVX-VNNI, AVX-512) against the scalar reference table (table_checks.h),
// and against each other: the levels differ only in their integer dot step, whose int32 lanes are
// the same, so their results must be identical bit for bit. Each level the CPU lacks, or that is
// not built (ARM), is skipped with a warning.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "kernels/kernels.h"
#include "kernels/packed_layout.h"
#include "table_checks.h"

namespace shoptalk::kernels {

namespace {

// The AVX2 table, or null with a warning where it is not built or the CPU lacks AVX2.
const KernelTable* avx2_table() {
  Result<const KernelTable*> table = kernels_for(Isa::kAvx2);
  if (!table) {
    WARN("AVX2 kernels unavailable, skipping: " << table.error().message());
    return nullptr;
  }
  return *table;
}

// The x86 tables this build and CPU run, from the registry.
std::vector<const KernelTable*> x86_tables() {
  return table_checks::family_tables("x86");
}

}  // namespace

TEST_CASE("x86 vec_dot matches the scalar reference for every vectorized type", "[kernels][x86]") {
  for (const KernelTable* x86 : x86_tables()) {
    INFO(isa_name(x86->isa));
    table_checks::check_vec_dot(
        *x86, {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
               GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K,
               GgmlType::Q5_K, GgmlType::Q6_K});
  }
}

TEST_CASE("x86 GEMM equals its vec_dot for any tiling and 1, 2, 3 threads", "[kernels][x86]") {
  // F16 has no GEMM: the matmul driver falls back to vec_dot.
  for (const KernelTable* x86 : x86_tables()) {
    INFO(isa_name(x86->isa));
    table_checks::check_gemm(
        *x86, {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K,
               GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16});
  }
}

TEST_CASE("the VNNI levels' integer kernels equal the AVX2 ones bit for bit", "[kernels][x86]") {
  const std::vector<const KernelTable*> tables = x86_tables();
  if (tables.empty() || tables.front()->isa != Isa::kAvx2) return;
  const KernelTable& avx2 = *tables.front();
  for (size_t level = 1; level < tables.size(); ++level) {
    const KernelTable& vnni = *tables[level];
    INFO(isa_name(vnni.isa));
    for (GgmlType type :
         {GgmlType::Q4_0, GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0,
          GgmlType::IQ4_NL, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K}) {
      const QuantTypeInfo& info = quant_type_info(type);
      INFO("type " << info.name);
      const int64_t n = info.block_size * 5;
      for (uint32_t seed = 1; seed <= 8; ++seed) {
        // Extreme activations as well: every byte at an end of its range.
        std::vector<float> a = test::random_floats(static_cast<size_t>(n), seed + 100);
        if (seed % 4 == 0)
          for (float& v : a) v = v < 0 ? -1e3f : 1e3f;
        const std::vector<float> w = test::random_floats(static_cast<size_t>(n), seed);
        const std::vector<uint8_t> wq = table_checks::quantize_rows(type, w, 1, n);
        const TypeKernels& want = avx2.types[static_cast<int>(type)];
        const std::vector<uint8_t> aq =
            table_checks::convert(scalar_kernels(), want.vec_dot_type, a);
        CHECK(vnni.types[static_cast<int>(type)].vec_dot(n, wq.data(), aq.data()) ==
              want.vec_dot(n, wq.data(), aq.data()));
      }
    }
  }
}

// The kernels below are the AVX2 ones in every x86 table: checked once, in the AVX2 table.
TEST_CASE("AVX2 activation conversions are bit-identical to the scalar ones", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_activation_conversions(*avx2);
}

TEST_CASE("AVX2 KV-cache rows convert back to float exactly", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_kv_rows_to_float(*avx2);
}

TEST_CASE("AVX2 float operations match the scalar ones", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_float_ops(*avx2);
}

TEST_CASE("AVX2 RoPE fuses its multiply-adds exactly as llama.cpp's GCC build", "[kernels][x86]") {
  const KernelTable* avx2 = avx2_table();
  if (!avx2) return;
  for (RopeStyle style : {RopeStyle::kNorm, RopeStyle::kNeox}) {
    for (int n_rot : {24, 64, 128}) {
      const int head_dim = 128;
      const int n_heads = 3;
      std::vector<float> c(static_cast<size_t>(n_rot / 2)), s(static_cast<size_t>(n_rot / 2));
      scalar_kernels().rope_cache(17, n_rot, 10000.0f, 1.0f, 1.0f, nullptr, c.data(), s.data());
      const std::vector<float> x = test::random_floats(static_cast<size_t>(n_heads * head_dim), 9);
      std::vector<float> got = x, want = x;
      avx2->rope_apply(got.data(), n_heads, head_dim, n_rot, style, c.data(), s.data());
      // fma(a, cos, -(b·sin)) and fma(a, sin, b·cos).
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
    }
  }
}

TEST_CASE("AVX2 attention_row matches the scalar one for F16, Q8_0 and Q4_0 caches",
          "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_attention_row(*avx2);
}

TEST_CASE("x86 attention_tile equals the scalar reference bit for bit", "[kernels][x86]") {
  for (const KernelTable* x86 : x86_tables()) {
    INFO(isa_name(x86->isa));
    table_checks::check_attention_tile(*x86);
  }
}

TEST_CASE("AVX2 attention_group matches the scalar one (chunk tails, odd groups, fallback)",
          "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_attention_group(*avx2);
}

TEST_CASE("x86 int8 peak probes count six chains of 32 multiply-adds", "[kernels][x86]") {
  for (const KernelTable* x86 : x86_tables()) {
    INFO(isa_name(x86->isa));
    table_checks::check_int8_dot_probe(*x86, 6 * 32);
  }
}

TEST_CASE("x86 packed GEMM equals the row-major vec_dot for 1, 2, 3 threads", "[kernels][x86]") {
  for (const KernelTable* x86 : x86_tables()) {
    INFO(isa_name(x86->isa));
    for (GgmlType type : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q5_0, GgmlType::Q4_K,
                          GgmlType::Q5_K, GgmlType::Q6_K}) {
      const QuantTypeInfo& info = quant_type_info(type);
      const TypeKernels& tk = x86->types[static_cast<int>(type)];
      INFO("type " << info.name);
      REQUIRE(tk.packed_gemm);
      const int64_t cols = info.block_size == 256 ? 768 : 160;
      // Tail panels of 1-3 rows, panels split between threads, several 8-row thread units.
      for (int64_t rows : {1, 3, 4, 6, 13, 37}) {
        const std::vector<float> w = test::random_floats(static_cast<size_t>(rows * cols), 11);
        const std::vector<uint8_t> wq = table_checks::quantize_rows(type, w, rows, cols);
        const size_t row_bytes = wq.size() / static_cast<size_t>(rows);
        const PanelShape shape = panel_shape(type, rows, cols);
        std::vector<uint8_t> packed(wq.size());
        pack_panels(shape, wq.data(), 0, shape.blocks(), packed.data());
        const Weight rows_weight{type, rows, cols, wq.data(), row_bytes};
        const Weight packed_weight{type, rows, cols, packed.data(), row_bytes, true};
        for (int64_t n_tok : {1, 2, 3, 4, 5, 9}) {
          const std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 12);
          for (int threads : {1, 2, 3}) {
            ThreadPool pool(threads, matmul_scratch_bytes(*x86, type, cols));
            ActivationCache cache;
            REQUIRE(cache.reserve({tk.vec_dot_type}, n_tok, cols));
            cache.reset(x.data(), n_tok, cols);
            const ActivationRows& xa = cache.get(*x86, pool, tk.vec_dot_type);
            std::vector<float> y(static_cast<size_t>(n_tok * rows));
            matmul(*x86, pool, packed_weight, xa, y.data(), rows);
            INFO("rows " << rows << " n_tok " << n_tok << " threads " << threads);
            for (int64_t t = 0; t < n_tok; ++t)
              for (int64_t r = 0; r < rows; ++r)
                CHECK(y[t * rows + r] == tk.vec_dot(cols, rows_weight.row(r), xa.row(t)));
          }
        }
      }
    }
  }
}

}  // namespace shoptalk::kernels
