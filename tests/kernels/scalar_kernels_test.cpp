// The scalar kernel table against the reference (de)quantizers of formats/: every weight type's
// vec_dot equals the float dot product of the dequantized operands up to float rounding, the
// activation quantizers follow llama.cpp's x86 rounding, and the matmul driver gives identical
// results for any thread count.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <tuple>
#include <vector>

#include "attention_fixture.h"
#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/quant_table.h"
#include "kernels/attention_exp.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "kernels/thread_pool.h"
#include "table_checks.h"
#include "test_support.h"

namespace shoptalk::kernels {

namespace {

std::vector<uint8_t> quantize(GgmlType type, const std::vector<float>& x) {
  const QuantTypeInfo& info = quant_type_info(type);
  std::vector<uint8_t> out(row_size(info, static_cast<int64_t>(x.size())));
  info.quantize_row(x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

std::vector<uint8_t> to_activation(const KernelTable& k, GgmlType type,
                                   const std::vector<float>& x) {
  std::vector<uint8_t> out(activation_row_bytes(type, static_cast<int64_t>(x.size())));
  k.from_float[static_cast<int>(type)](x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

std::vector<float> dequantize(GgmlType type, const void* data, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  quant_type_info(type).dequantize_row(data, out.data(), n);
  return out;
}

const GgmlType kWeightTypes[] = {GgmlType::F32,  GgmlType::F16,    GgmlType::BF16,  GgmlType::Q4_0,
                                 GgmlType::Q4_1, GgmlType::Q5_0,   GgmlType::Q5_1,  GgmlType::Q8_0,
                                 GgmlType::Q2_K, GgmlType::Q3_K,   GgmlType::Q4_K,  GgmlType::Q5_K,
                                 GgmlType::Q6_K, GgmlType::IQ4_NL, GgmlType::IQ4_XS};

}  // namespace

TEST_CASE("scalar vec_dot of every weight type equals the dequantized float dot product",
          "[kernels]") {
  const KernelTable& k = scalar_kernels();
  for (GgmlType type : kWeightTypes) {
    const TypeKernels& tk = k.types[static_cast<int>(type)];
    INFO("type " << quant_type_info(type).name);
    REQUIRE(tk.vec_dot != nullptr);
    for (int64_t n : {256, 512, 1024}) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        const std::vector<float> w = test::random_floats(static_cast<size_t>(n), seed);
        const std::vector<float> a = test::random_floats(static_cast<size_t>(n), seed + 100, 3.0f);
        const std::vector<uint8_t> wq = quantize(type, w);
        const std::vector<uint8_t> aq = to_activation(k, tk.vec_dot_type, a);
        const std::vector<float> wd = dequantize(type, wq.data(), n);
        const std::vector<float> ad = dequantize(tk.vec_dot_type, aq.data(), n);
        double expected = 0.0;
        double magnitude = 0.0;
        for (int64_t i = 0; i < n; ++i) {
          expected += static_cast<double>(wd[i]) * ad[i];
          magnitude += std::fabs(static_cast<double>(wd[i]) * ad[i]);
        }
        // Q4_1/Q5_1 apply their min through the activation sum rounded to fp16 (docs/formats.md).
        const bool fp16_sum = type == GgmlType::Q4_1 || type == GgmlType::Q5_1;
        const double tolerance = (fp16_sum ? 2e-3 : 1e-5) * magnitude + 1e-5;
        const float got = tk.vec_dot(n, wq.data(), aq.data());
        INFO("n " << n << " seed " << seed);
        CHECK(std::fabs(got - expected) <= tolerance);
      }
    }
  }
}

TEST_CASE("Q8_0 activations use id = 127/amax and round half to even (x86 variant)", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  std::vector<float> x(kQK, 0.0f);
  x[0] = 127.0f;  // amax 127: id = 1 exactly, so x * id keeps the half-way values below
  x[1] = 2.5f;
  x[2] = -3.5f;
  x[3] = 0.5f;
  BlockQ8_0 block;
  k.from_float[static_cast<int>(GgmlType::Q8_0)](x.data(), &block, kQK);
  CHECK(fp16_to_fp32(block.d) == 1.0f);
  CHECK(block.qs[0] == 127);
  CHECK(block.qs[1] == 2);
  CHECK(block.qs[2] == -4);
  CHECK(block.qs[3] == 0);

  BlockQ8_1 block1;
  k.from_float[static_cast<int>(GgmlType::Q8_1)](x.data(), &block1, kQK);
  CHECK(fp16_to_fp32(block1.s) == 125.0f);  // d (1.0) times the sum of the quants
}

TEST_CASE("Q8_K activations keep the sign of the largest element in d", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  std::vector<float> x = test::random_floats(kQK_K, 7);
  x[10] = 50.0f;
  BlockQ8_K block;
  k.from_float[static_cast<int>(GgmlType::Q8_K)](x.data(), &block, kQK_K);
  CHECK(block.d < 0.0f);
  CHECK(block.qs[10] == -127);
  int sum = 0;
  for (int i = 0; i < 16; ++i) sum += block.qs[i];
  CHECK(block.bsums[0] == sum);

  std::vector<float> zeros(kQK_K, 0.0f);
  k.from_float[static_cast<int>(GgmlType::Q8_K)](zeros.data(), &block, kQK_K);
  CHECK(block.d == 0.0f);
  CHECK(block.bsums[3] == 0);
}

TEST_CASE("the scalar prefill formulation is each row's dot product within float rounding",
          "[kernels]") {
  table_checks::check_prefill(scalar_kernels(), {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0,
                                                 GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K});
}

TEST_CASE("matmul gives identical results for 1, 2 and 3 threads", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  const int64_t rows = 301;  // not a multiple of any thread count, enough work for 3 threads
  const int64_t cols = 512;
  const int64_t n_tok = 5;
  for (GgmlType type : {GgmlType::Q4_K, GgmlType::Q8_0, GgmlType::F16}) {
    const std::vector<float> w = test::random_floats(static_cast<size_t>(rows * cols), 11);
    std::vector<uint8_t> wq;
    for (int64_t r = 0; r < rows; ++r) {
      const std::vector<float> row(w.begin() + r * cols, w.begin() + (r + 1) * cols);
      const std::vector<uint8_t> q = quantize(type, row);
      wq.insert(wq.end(), q.begin(), q.end());
    }
    const Weight weight{type, rows, cols, wq.data(), wq.size() / static_cast<size_t>(rows)};
    const std::vector<float> x = test::random_floats(static_cast<size_t>(n_tok * cols), 12);
    std::vector<std::vector<float>> results;
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads, matmul_scratch_bytes(k, type, cols));
      ActivationCache cache;
      const GgmlType act = k.types[static_cast<int>(type)].vec_dot_type;
      REQUIRE(cache.reserve({act}, n_tok, cols));
      cache.reset(x.data(), n_tok, cols);
      std::vector<float> y(static_cast<size_t>(n_tok * rows));
      matmul(k, pool, weight, cache.get(k, pool, act), y.data(), rows);
      results.push_back(y);
      // Each output is the row's vec_dot, whichever thread computed it.
      const ActivationRows& xa = cache.get(k, pool, act);
      CHECK(y[3 * rows + 300] ==
            k.types[static_cast<int>(type)].vec_dot(cols, weight.row(300), xa.row(3)));
    }
    CHECK(results[0] == results[1]);
    CHECK(results[0] == results[2]);
  }
}

TEST_CASE("parallel_for covers the range once, with at least `grain` indices per thread",
          "[kernels]") {
  ThreadPool pool(3);
  for (auto [n, grain, parts] : {std::tuple<int64_t, int64_t, size_t>{10, 1, 3},
                                 {10, 4, 2},
                                 {10, 11, 1},
                                 {2, 1, 2},
                                 {1000, 100, 3}}) {
    std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
    std::atomic<size_t> calls{0};
    std::atomic<size_t> short_chunks{0};
    // Catch2's assertions are not thread-safe: the workers count, the calling thread checks.
    pool.parallel_for(
        n,
        [&](int64_t begin, int64_t end) {
          ++calls;
          if (end - begin < std::min(n, grain)) ++short_chunks;
          for (int64_t i = begin; i < end; ++i) ++hits[static_cast<size_t>(i)];
        },
        grain);
    INFO("n " << n << " grain " << grain);
    CHECK(calls == parts);
    CHECK(short_chunks == 0);
    for (const auto& h : hits) CHECK(h == 1);
  }
}

TEST_CASE("each part of a parallel_for gets a scratch of its own, of the size asked for",
          "[kernels]") {
  constexpr size_t kBytes = 1000;
  ThreadPool pool(3, kBytes);
  REQUIRE(pool.ok());
  CHECK(pool.scratch_bytes() == kBytes);
  CHECK(ThreadPool::scratch(1) == nullptr);  // outside a job
  // Collected here and checked on this thread (Catch2 assertions are not thread-safe).
  std::vector<uint8_t*> seen(3, nullptr);
  std::vector<uint8_t*> too_large(3, nullptr);
  pool.parallel_for(3, [&](int64_t begin, int64_t) {
    uint8_t* scratch = ThreadPool::scratch(kBytes);
    if (scratch) std::fill(scratch, scratch + kBytes, static_cast<uint8_t>(begin));
    seen[static_cast<size_t>(begin)] = scratch;
    too_large[static_cast<size_t>(begin)] = ThreadPool::scratch(kBytes + 1);
  });
  for (size_t part = 0; part < 3; ++part) {
    INFO("part " << part);
    REQUIRE(seen[part] != nullptr);
    CHECK(reinterpret_cast<uintptr_t>(seen[part]) % 64 == 0);
    CHECK(too_large[part] == nullptr);
    CHECK(std::all_of(seen[part], seen[part] + kBytes,
                      [&](uint8_t b) { return b == static_cast<uint8_t>(part); }));
  }
  ThreadPool without(2);
  uint8_t* none = reinterpret_cast<uint8_t*>(1);
  without.parallel_for(1, [&](int64_t, int64_t) { none = ThreadPool::scratch(1); });
  CHECK(none == nullptr);
}

TEST_CASE("RoPE rotates NORM pairs (2i, 2i+1) and NEOX pairs (i, i + n_rot/2)", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  const int head_dim = 8;
  const int n_rot = 6;  // partial: dims 6 and 7 pass through
  std::vector<float> cos_t(n_rot / 2), sin_t(n_rot / 2);
  k.rope_cache(5, n_rot, 10000.0f, 1.0f, 1.0f, nullptr, cos_t.data(), sin_t.data());
  for (int i = 0; i < n_rot / 2; ++i) {
    const double angle = 5.0 * std::pow(10000.0, -2.0 * i / n_rot);
    CHECK(cos_t[i] == Approx(std::cos(angle)).margin(1e-5));
    CHECK(sin_t[i] == Approx(std::sin(angle)).margin(1e-5));
  }
  std::vector<float> base(head_dim);
  for (int i = 0; i < head_dim; ++i) base[i] = static_cast<float>(i + 1);

  std::vector<float> norm = base;
  k.rope_apply(norm.data(), 1, head_dim, n_rot, RopeStyle::kNorm, cos_t.data(), sin_t.data());
  CHECK(norm[2] == Approx(base[2] * cos_t[1] - base[3] * sin_t[1]));
  CHECK(norm[3] == Approx(base[2] * sin_t[1] + base[3] * cos_t[1]));
  CHECK(norm[7] == base[7]);

  std::vector<float> neox = base;
  k.rope_apply(neox.data(), 1, head_dim, n_rot, RopeStyle::kNeox, cos_t.data(), sin_t.data());
  CHECK(neox[1] == Approx(base[1] * cos_t[1] - base[4] * sin_t[1]));
  CHECK(neox[4] == Approx(base[1] * sin_t[1] + base[4] * cos_t[1]));
  CHECK(neox[6] == base[6]);

  // attn_factor scales cos and sin; rope factors divide the angle.
  std::vector<float> cos2(n_rot / 2), sin2(n_rot / 2);
  const float factors[3] = {1.0f, 2.0f, 4.0f};
  k.rope_cache(5, n_rot, 10000.0f, 1.0f, 1.5f, factors, cos2.data(), sin2.data());
  const double angle1 = 5.0 * std::pow(10000.0, -2.0 / n_rot) / 2.0;
  CHECK(cos2[1] == Approx(1.5 * std::cos(angle1)).margin(1e-5));
}

TEST_CASE("attention rows match a float softmax for every KV cache type", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  const int hd = 64;
  const int n_kv = 9;
  const std::vector<float> q = test::random_floats(hd, 1);
  const std::vector<float> keys = test::random_floats(static_cast<size_t>(n_kv * hd), 2);
  const std::vector<float> values = test::random_floats(static_cast<size_t>(n_kv * hd), 3);
  const float scale = 0.125f;

  std::vector<double> expected(hd, 0.0);
  std::vector<double> scores(n_kv);
  double max_score = -1e30;
  for (int j = 0; j < n_kv; ++j) {
    double s = 0.0;
    for (int d = 0; d < hd; ++d) s += static_cast<double>(q[d]) * keys[j * hd + d];
    scores[j] = s * scale;
    max_score = std::max(max_score, scores[j]);
  }
  double total = 0.0;
  for (int j = 0; j < n_kv; ++j) total += std::exp(scores[j] - max_score);
  for (int j = 0; j < n_kv; ++j)
    for (int d = 0; d < hd; ++d)
      expected[d] += std::exp(scores[j] - max_score) / total * values[j * hd + d];

  for (auto [type, tolerance] : {std::pair<GgmlType, double>{GgmlType::F32, 1e-5},
                                 {GgmlType::F16, 5e-3},
                                 {GgmlType::Q8_0, 3e-2},
                                 {GgmlType::Q4_0, 0.3}}) {
    const QuantTypeInfo& info = quant_type_info(type);
    const size_t row_bytes = row_size(info, hd);
    std::vector<uint8_t> kc(row_bytes * n_kv), vc(row_bytes * n_kv);
    for (int j = 0; j < n_kv; ++j) {
      info.quantize_row(keys.data() + j * hd, kc.data() + j * row_bytes, hd);
      info.quantize_row(values.data() + j * hd, vc.data() + j * row_bytes, hd);
    }
    std::vector<float> out(hd);
    AttentionRow row;
    row.q = q.data();
    row.k = kc.data();
    row.v = vc.data();
    row.kv_stride = row_bytes;
    row.n_kv = n_kv;
    row.head_dim = hd;
    row.kv_type = type;
    row.scale = scale;
    row.out = out.data();
    k.attention_row(k, row);
    INFO("kv type " << info.name);
    for (int d = 0; d < hd; ++d) CHECK(out[d] == Approx(expected[d]).margin(tolerance));
  }
}

TEST_CASE("an attention group gives each query what its one-row attention gives", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int64_t n_kv : {1, 31, 32, 33, 100}) {
      for (int n_query : {1, 2, 3, 8}) {
        INFO(quant_type_info(type).name << " n_kv " << n_kv << " queries " << n_query);
        const int hd = 64;
        const test::KvFixture kv(type, hd, n_kv);
        const std::vector<float> q =
            test::random_floats(static_cast<size_t>(hd * n_query), 5, 3.0f);
        std::vector<float> group(q.size()), rows(q.size());
        k.attention_group(k, {kv.row(q.data(), group.data()), n_query, hd, hd});
        for (int g = 0; g < n_query; ++g)
          k.attention_row(k, kv.row(q.data() + g * hd, rows.data() + g * hd));
        // The one-row path keeps an F16 cache's accumulator in fp16, the group path in float.
        for (size_t i = 0; i < q.size(); ++i)
          CHECK(group[i] == Approx(rows[i]).epsilon(4e-3).margin(2e-3));
      }
    }
  }
}

TEST_CASE("attention tiles match a double-precision causal softmax", "[kernels]") {
  const KernelTable& k = scalar_kernels();
  const int hd = 64;
  const int n_query = 2;
  const int n_tok = 9;
  const int64_t n_kv0 = 30;  // the first token sees two key blocks, the last one three
  const test::KvFixture kv(GgmlType::F32, hd, n_kv0 + n_tok - 1);
  const size_t n = static_cast<size_t>(hd * n_query * n_tok);
  const std::vector<float> q = test::random_floats(n, 6, 3.0f);
  std::vector<float> out(n);
  const AttentionTile tile = kv.tile(q.data(), out.data(), n_query, n_tok, n_kv0);
  k.attention_tile(k, tile);
  const auto key = [&](int64_t j, int d) {
    return reinterpret_cast<const float*>(tile.first.k + j * tile.first.kv_stride)[d];
  };
  const auto value = [&](int64_t j, int d) {
    return reinterpret_cast<const float*>(tile.first.v + j * tile.first.kv_stride)[d];
  };
  for (int t = 0; t < n_tok; ++t) {
    for (int g = 0; g < n_query; ++g) {
      const float* qr = q.data() + (t * n_query + g) * hd;
      const int64_t visible = n_kv0 + t;
      std::vector<double> scores(static_cast<size_t>(visible));
      double max_score = -1e300;
      for (int64_t j = 0; j < visible; ++j) {
        double s = 0.0;
        for (int d = 0; d < hd; ++d) s += static_cast<double>(qr[d]) * key(j, d);
        scores[static_cast<size_t>(j)] = s * tile.first.scale;
        max_score = std::max(max_score, scores[static_cast<size_t>(j)]);
      }
      double total = 0.0;
      for (double s : scores) total += std::exp(s - max_score);
      for (int d = 0; d < hd; ++d) {
        double expected = 0.0;
        for (int64_t j = 0; j < visible; ++j)
          expected += std::exp(scores[static_cast<size_t>(j)] - max_score) / total * value(j, d);
        CHECK(out[static_cast<size_t>((t * n_query + g) * hd + d)] ==
              Approx(expected).margin(2e-6));
      }
    }
  }
}

TEST_CASE("the attention softmax exponential is within 1 ulp of e^x", "[kernels]") {
  for (float x = -87.0f; x <= 0.0f; x += 0.0137f) {
    const double want = std::exp(static_cast<double>(x));
    const float got = attention_exp::exp(x);
    const double ulp = std::nextafter(static_cast<float>(want), 1.0f) - static_cast<float>(want);
    CHECK(std::abs(got - want) <= ulp);
  }
  CHECK(attention_exp::exp(0.0f) == 1.0f);
  CHECK(attention_exp::exp(-std::numeric_limits<float>::infinity()) > 0.0f);
}

TEST_CASE("the scalar int8 peak probe counts 32 multiply-adds a round", "[kernels]") {
  table_checks::check_int8_dot_probe(scalar_kernels(), 32);
}

}  // namespace shoptalk::kernels
