// Checks of one SIMD kernel table against the scalar reference table, shared by the per-family
// test files (x86_kernels_test.cpp, arm_kernels_test.cpp): every vectorized kernel on random data
// with odd sizes and tails, the tiled GEMM through the matmul driver with 1, 2 and 3 threads.
#pragma once

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

#include "attention_fixture.h"
#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/quant_table.h"
#include "kernels/compute_peak.h"
#include "kernels/kernels.h"
#include "kernels/level_table.h"
#include "kernels/matmul.h"
#include "kernels/packed_layout.h"
#include "kernels/thread_pool.h"
#include "test_support.h"

namespace shoptalk::kernels::table_checks {

// Whether this run checks `isa`'s kernels. The cross builds' kernels_test_<qemu cpu> entries set
// SHOPTALK_EXPECT_ISA to the level the dispatcher picks on their CPU model and check only that
// one: each such run would otherwise repeat the levels below it, minutes under qemu. A run without
// it (ctest's plain kernels_test, native runs) checks every level the CPU runs.
inline bool checks_level(Isa isa) {
  const char* only = std::getenv("SHOPTALK_EXPECT_ISA");
  return only == nullptr || *only == '\0' || std::strcmp(only, isa_name(isa)) == 0;
}

// The tables of a family's levels (the registry's order: worst first) that this build and CPU
// run and this run checks (checks_level); each level the CPU lacks is skipped with a warning.
inline std::vector<const KernelTable*> family_tables(const char* family) {
  std::vector<const KernelTable*> tables;
  for (const IsaEntry& level : kIsaRegistry) {
    if (std::strcmp(level.family, family) != 0 || !checks_level(level.isa)) continue;
    Result<const KernelTable*> table = kernels_for(level.isa);
    if (table) {
      tables.push_back(*table);
    } else {
      WARN(family << " level skipped: " << table.error().message());
    }
  }
  return tables;
}

inline std::vector<uint8_t> quantize_rows(GgmlType type, const std::vector<float>& x, int64_t rows,
                                          int64_t cols) {
  const QuantTypeInfo& info = quant_type_info(type);
  const size_t row_bytes = row_size(info, cols);
  std::vector<uint8_t> out(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    info.quantize_row(x.data() + r * cols, out.data() + static_cast<size_t>(r) * row_bytes, cols);
  return out;
}

inline std::vector<uint8_t> convert(const KernelTable& k, GgmlType type,
                                    const std::vector<float>& x) {
  std::vector<uint8_t> out(activation_row_bytes(type, static_cast<int64_t>(x.size())));
  k.from_float[static_cast<int>(type)](x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

// Σ|w·a| of the dequantized operands: the scale of the float rounding of a dot product.
inline double magnitude(GgmlType wt, const uint8_t* w, GgmlType at, const uint8_t* a, int64_t n) {
  std::vector<float> wd(static_cast<size_t>(n)), ad(static_cast<size_t>(n));
  quant_type_info(wt).dequantize_row(w, wd.data(), n);
  quant_type_info(at).dequantize_row(a, ad.data(), n);
  double m = 0.0;
  for (int64_t i = 0; i < n; ++i) m += std::fabs(static_cast<double>(wd[i]) * ad[i]);
  return m;
}

// One dot product of the table against the scalar one, within float rounding of its magnitude.
inline void check_dot_close(GgmlType type, const uint8_t* w, GgmlType at, const uint8_t* a,
                            int64_t n, float got) {
  const float want = scalar_kernels().types[static_cast<int>(type)].vec_dot(n, w, a);
  const double tol = 2e-6 * magnitude(type, w, at, a, n) + 1e-6;
  INFO("want " << want << " got " << got);
  CHECK(std::fabs(static_cast<double>(got) - want) <= tol);
}

inline void check_vec_dot(const KernelTable& t, const std::vector<GgmlType>& types) {
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : types) {
    const QuantTypeInfo& info = quant_type_info(type);
    const TypeKernels& tk = t.types[static_cast<int>(type)];
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
        INFO("n " << n << " seed " << seed);
        check_dot_close(type, wq.data(), tk.vec_dot_type, aq.data(), n,
                        tk.vec_dot(n, wq.data(), aq.data()));
      }
    }
  }
}

// GEMM outputs equal the table's vec_dot bit for bit for 1..9 tokens and 1, 2, 3 threads, with the
// per-thread scratch the kernels ask for and (2 threads) without it.
inline void check_gemm(const KernelTable& t, const std::vector<GgmlType>& types) {
  for (GgmlType type : types) {
    const QuantTypeInfo& info = quant_type_info(type);
    INFO("type " << info.name);
    const TypeKernels& tk = t.types[static_cast<int>(type)];
    const int64_t cols = info.block_size == 256 ? 512 : 160;
    // 1000 rows give the pool enough work to use 2 and 3 threads.
    for (int64_t rows : {1, 5, 37, 1000}) {
      const std::vector<float> w = test::random_floats(static_cast<size_t>(rows * cols), 7);
      const std::vector<uint8_t> wq = quantize_rows(type, w, rows, cols);
      const Weight weight{type, rows, cols, wq.data(), wq.size() / static_cast<size_t>(rows)};
      for (int64_t n_tok = 1; n_tok <= 9; ++n_tok) {
        const std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 8);
        std::vector<float> first;
        for (const auto& [threads, scratch] :
             {std::pair{1, true}, std::pair{2, true}, std::pair{3, true}, std::pair{2, false}}) {
          ThreadPool pool(threads, scratch ? matmul_scratch_bytes(t, type, cols) : 0);
          ActivationCache cache;
          REQUIRE(cache.reserve({tk.vec_dot_type}, n_tok, cols));
          cache.reset(x.data(), n_tok, cols);
          const ActivationRows& xa = cache.get(t, pool, tk.vec_dot_type);
          std::vector<float> y(static_cast<size_t>(n_tok * rows));
          matmul(t, pool, weight, xa, y.data(), rows);
          INFO("rows " << rows << " n_tok " << n_tok << " threads " << threads << " scratch "
                       << scratch);
          if (!first.empty()) {
            CHECK(y == first);
            continue;
          }
          first = y;
          for (int64_t tok = 0; tok < n_tok; ++tok) {
            for (int64_t r = 0; r < rows; ++r) {
              const float one = tk.vec_dot(cols, weight.row(r), xa.row(tok));
              CHECK(y[tok * rows + r] == one);
              check_dot_close(type, weight.row(r), tk.vec_dot_type, xa.row(tok), cols, one);
            }
          }
        }
      }
    }
  }
}

// rows × cols of random block bytes: every bit pattern of the values and integer scales (all-ones
// nibbles, -128 scales), with finite fp16 scales so results stay comparable.
inline std::vector<uint8_t> random_blocks(GgmlType type, int64_t rows, int64_t cols,
                                          uint32_t seed) {
  const QuantTypeInfo& info = quant_type_info(type);
  std::vector<uint8_t> out(row_size(info, cols) * static_cast<size_t>(rows));
  std::mt19937 rng(seed);
  for (uint8_t& byte : out) byte = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(-0.02f, 0.02f);
  // The fp16 scale fields: d first (Q6_K: last), dmin second (Q4_K, Q5_K).
  const size_t d_at = type == GgmlType::Q6_K ? offsetof(BlockQ6_K, d) : 0;
  const bool has_dmin = type == GgmlType::Q4_K || type == GgmlType::Q5_K;
  for (size_t blk = 0; blk < out.size(); blk += static_cast<size_t>(info.type_size)) {
    const uint16_t d = fp32_to_fp16(scale(rng)), dmin = fp32_to_fp16(scale(rng));
    std::memcpy(&out[blk + d_at], &d, sizeof d);
    if (has_dmin) std::memcpy(&out[blk + 2], &dmin, sizeof dmin);
  }
  return out;
}

// The table's prefill through the matmul driver equals the scalar table's (the reference of the
// formulation) bit for bit: row tails of panels, odd token counts, 1, 2 and 3 threads, packed
// weights where the table has a layout, quantized and random weight blocks, ordinary and extreme
// (every value ±127) activations. On quantized weights it is within float rounding of vec_dot.
inline void check_prefill(const KernelTable& t, const std::vector<GgmlType>& types) {
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : types) {
    const QuantTypeInfo& info = quant_type_info(type);
    const TypeKernels& tk = t.types[static_cast<int>(type)];
    INFO("type " << info.name);
    REQUIRE(tk.prefill);
    const int64_t cols = info.block_size == 256 ? 768 : 352;
    for (int64_t rows : {1, 7, 9, 17, 40, 300}) {
      for (int weights = 0; weights < 2; ++weights) {
        const bool quantized = weights == 0;
        const std::vector<uint8_t> wq =
            quantized
                ? quantize_rows(type, test::random_floats(static_cast<size_t>(rows * cols), 5),
                                rows, cols)
                : random_blocks(type, rows, cols, 6);
        const size_t row_bytes = wq.size() / static_cast<size_t>(rows);
        std::vector<uint8_t> packed(wq.size());
        const PanelShape shape = panel_shape(type, rows, cols);
        pack_panels(shape, wq.data(), 0, shape.blocks(), packed.data());
        std::vector<Weight> layouts = {Weight{type, rows, cols, wq.data(), row_bytes}};
        if (!t.packed_layout.empty())
          layouts.push_back({type, rows, cols, packed.data(), row_bytes, true});
        for (int64_t n_tok : {kPrefillMinTokens, kPrefillMinTokens + 5}) {
          std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 9, 2.0f);
          if (!quantized)
            for (float& v : x) v = v < 0 ? -1e3f : 1e3f;
          ThreadPool one(1, prefill_scratch_bytes(cols));
          ActivationCache ref_cache;
          REQUIRE(ref_cache.reserve({tk.vec_dot_type}, n_tok, cols));
          ref_cache.reset(x.data(), n_tok, cols);
          const ActivationRows& ref_x = ref_cache.get(ref, one, tk.vec_dot_type);
          std::vector<float> want(static_cast<size_t>(n_tok * rows));
          matmul(ref, one, layouts[0], ref_x, want.data(), rows);
          for (const Weight& weight : layouts) {
            for (int threads : {1, 2, 3}) {
              ThreadPool pool(threads, matmul_scratch_bytes(t, type, cols));
              ActivationCache cache;
              REQUIRE(cache.reserve({tk.vec_dot_type}, n_tok, cols));
              cache.reset(x.data(), n_tok, cols);
              const ActivationRows& xa = cache.get(t, pool, tk.vec_dot_type);
              REQUIRE(xa.sums);
              std::vector<float> y(static_cast<size_t>(n_tok * rows));
              matmul(t, pool, weight, xa, y.data(), rows);
              INFO("rows " << rows << " n_tok " << n_tok << " threads " << threads << " packed "
                           << weight.packed << " quantized " << quantized);
              CHECK(y == want);
            }
          }
          if (!quantized) continue;
          for (int64_t tok = 0; tok < n_tok; tok += 7)
            for (int64_t r = 0; r < rows; r += 3) {
              const float one_dot = tk.vec_dot(cols, layouts[0].row(r), ref_x.row(tok));
              const double tol =
                  2e-6 * magnitude(type, layouts[0].row(r), tk.vec_dot_type, ref_x.row(tok), cols) +
                  1e-6;
              CHECK(std::fabs(static_cast<double>(want[tok * rows + r]) - one_dot) <= tol);
            }
        }
      }
    }
  }
}

// The weight types that have a prefill kernel in `t`: the checks follow the table, so a level's
// new prefill entry is tested with no change here.
inline std::vector<GgmlType> prefill_types(const KernelTable& t) {
  std::vector<GgmlType> types;
  for (int type = 0; type < kGgmlTypeCount; ++type)
    if (t.types[type].prefill) types.push_back(static_cast<GgmlType>(type));
  return types;
}

inline void check_activation_conversions(const KernelTable& t) {
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
      const std::vector<uint8_t> row = convert(ref, type, part);
      CHECK(convert(t, type, part) == row);
      // The prefill side sums of the row.
      const ActSumsFn sums = t.act_sums[static_cast<int>(type)];
      if (!sums) continue;
      const int64_t n = static_cast<int64_t>(part.size());
      std::vector<uint8_t> got(activation_sums_row_bytes(type, n)), want(got.size());
      sums(row.data(), got.data(), n);
      ref.act_sums[static_cast<int>(type)](row.data(), want.data(), n);
      CHECK(got == want);
    }
    // Odd lengths for the element types (vector tails), with infinities, NaN and a subnormal.
    std::vector<float> odd(x.begin(), x.begin() + 43);
    odd[5] = INFINITY;
    odd[40] = NAN;
    odd[41] = 70000.0f;
    odd[42] = 1e-6f;  // an fp16 subnormal
    CHECK(convert(t, GgmlType::F16, odd) == convert(ref, GgmlType::F16, odd));
    CHECK(convert(t, GgmlType::BF16, odd) == convert(ref, GgmlType::BF16, odd));
  }
}

inline void check_kv_rows_to_float(const KernelTable& t) {
  const KernelTable& ref = scalar_kernels();
  const std::vector<float> x = test::random_floats(160, 3, 2.0f);
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    INFO("type " << quant_type_info(type).name);
    const int64_t n = type == GgmlType::F16 ? 157 : 160;
    const std::vector<uint8_t> q = quantize_rows(type, x, 1, n);
    std::vector<float> got(static_cast<size_t>(n)), want(static_cast<size_t>(n));
    t.types[static_cast<int>(type)].to_float(q.data(), got.data(), n);
    ref.types[static_cast<int>(type)].to_float(q.data(), want.data(), n);
    CHECK(got == want);
  }
}

inline void check_float_ops(const KernelTable& t) {
  const KernelTable& ref = scalar_kernels();
  for (int64_t n : {1, 7, 8, 31, 128, 1027}) {
    INFO("n " << n);
    const size_t sz = static_cast<size_t>(n);
    const std::vector<float> x = test::random_floats(sz, 1, 3.0f);
    const std::vector<float> w = test::random_floats(sz, 2);
    std::vector<float> got(sz), want(sz);
    t.rmsnorm(x.data(), w.data(), got.data(), n, 1e-6f);
    ref.rmsnorm(x.data(), w.data(), want.data(), n, 1e-6f);
    for (size_t i = 0; i < sz; ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-7));

    t.silu_mul(x.data(), w.data(), got.data(), n);
    ref.silu_mul(x.data(), w.data(), want.data(), n);
    for (size_t i = 0; i < sz; ++i) CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-7));

    got = x;
    want = x;
    t.add(got.data(), w.data(), n);
    ref.add(want.data(), w.data(), n);
    CHECK(got == want);
    t.scale(got.data(), 0.37f, n);
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
      std::vector<float> got = x, want = x;
      t.rope_apply(got.data(), n_heads, head_dim, n_rot, style, c.data(), s.data());
      ref.rope_apply(want.data(), n_heads, head_dim, n_rot, style, c.data(), s.data());
      INFO("n_rot " << n_rot);
      // Within rounding: a table may fuse the rotation's multiply-adds (AVX2 does, as llama.cpp).
      for (size_t i = 0; i < got.size(); ++i)
        CHECK(got[i] == Approx(want[i]).epsilon(1e-6).margin(1e-6));
    }
  }
}

// attention_row for F16, Q8_0 and Q4_0 caches, head sizes 64 and 128, 1 to 200 positions.
inline void check_attention_row(const KernelTable& t) {
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int head_dim : {64, 128}) {
      for (int64_t n_kv : {1, 2, 63, 64, 65, 200}) {
        INFO(quant_type_info(type).name << " head_dim " << head_dim << " n_kv " << n_kv);
        const test::KvFixture kv(type, head_dim, n_kv);
        const std::vector<float> q = test::random_floats(static_cast<size_t>(head_dim), 77);
        std::vector<float> got(static_cast<size_t>(head_dim)), want(static_cast<size_t>(head_dim));
        t.attention_row(t, kv.row(q.data(), got.data()));
        ref.attention_row(ref, kv.row(q.data(), want.data()));
        for (int d = 0; d < head_dim; ++d)
          CHECK(got[static_cast<size_t>(d)] == Approx(want[static_cast<size_t>(d)]).margin(2e-3));
      }
    }
  }
}

// attention_group against the scalar one: chunk tails, odd group sizes, a head size whose SIMD
// kernel falls back to the scalar one.
inline void check_attention_group(const KernelTable& t) {
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
          t.attention_group(t, {kv.row(q.data(), got.data()), n_query, head_dim, head_dim});
          ref.attention_group(ref, {kv.row(q.data(), want.data()), n_query, head_dim, head_dim});
          for (size_t i = 0; i < n; ++i)
            CHECK(got[i] == Approx(want[i]).epsilon(1e-4).margin(1e-5));
        }
      }
    }
  }
}

// attention_tile against the scalar reference, bit for bit: every cache type, odd head sizes and
// group sizes, tiles that start before, on and after a key-block boundary, token counts that fill
// several tiles with a tail; and each token's rows equal those of the token computed alone.
inline void check_attention_tile(const KernelTable& t) {
  const KernelTable& ref = scalar_kernels();
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int head_dim : {32, 96, 128}) {
      for (int n_query : {1, 2, 3, 8}) {
        for (int64_t n_kv0 : {1, 23, 24, 25, 70}) {
          for (int n_tok : {1, 5, 17, 40}) {
            INFO(quant_type_info(type).name << " head_dim " << head_dim << " queries " << n_query
                                            << " first token sees " << n_kv0 << " tokens "
                                            << n_tok);
            const test::KvFixture kv(type, head_dim, n_kv0 + n_tok - 1);
            const size_t n = static_cast<size_t>(head_dim * n_query * n_tok);
            const std::vector<float> q = test::random_floats(n, 79, 3.0f);
            std::vector<float> got(n), want(n), alone(n);
            t.attention_tile(t, kv.tile(q.data(), got.data(), n_query, n_tok, n_kv0));
            ref.attention_tile(ref, kv.tile(q.data(), want.data(), n_query, n_tok, n_kv0));
            const size_t per_tok = n / static_cast<size_t>(n_tok);
            for (int tok = 0; tok < n_tok; ++tok)
              t.attention_tile(t, kv.tile(q.data() + tok * per_tok, alone.data() + tok * per_tok,
                                          n_query, 1, n_kv0 + tok));
            size_t differ = 0, differ_alone = 0;
            for (size_t i = 0; i < n; ++i) {
              differ += got[i] != want[i];
              differ_alone += got[i] != alone[i];
            }
            CHECK(differ == 0);
            CHECK(differ_alone == 0);
          }
        }
      }
    }
  }
}

// The int8 peak probe does the multiply-adds it reports (macs_per_round: its chains times each
// dot step's products), and measure_int8_peak turns it into a rate with 1, 2 and 3 threads.
inline void check_int8_dot_probe(const KernelTable& t, int64_t macs_per_round) {
  REQUIRE(t.int8_dot_probe != nullptr);
  CHECK(t.int8_dot_probe(0) == 0);
  CHECK(t.int8_dot_probe(1) == macs_per_round);
  CHECK(t.int8_dot_probe(1000) == 1000 * macs_per_round);
  for (int threads : {1, 2, 3}) {
    ThreadPool pool(threads);
    CHECK(measure_int8_peak(t, pool, 1000, 2) > 0);
  }
}

}  // namespace shoptalk::kernels::table_checks
