// GEMV (decode, one token) and GEMM (prefill, 128 tokens) of every hot weight type at the real
// projection shapes, through the library's matmul driver. Counters: GB/s of weight bytes streamed
// (GEMV) and GOP/s of multiply-adds ×2 (GEMM).
#include <benchmark/benchmark.h>

#include <string>

#include "bench_data.h"
#include "formats/quant_table.h"
#include "kernels/matmul.h"

namespace shoptalk::bench {
namespace {

const GgmlType kTypes[] = {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K,   GgmlType::Q5_K,
                           GgmlType::Q6_K, GgmlType::Q5_0, GgmlType::IQ4_NL, GgmlType::F16};

void run_matmul(benchmark::State& state, GgmlType type, MatShape shape, int64_t n_tok,
                int threads) {
  const kernels::KernelTable& k = bench_kernels();
  const std::vector<uint8_t>& w = weight_bytes(type, shape.rows, shape.cols);
  const kernels::Weight weight{type, shape.rows, shape.cols, w.data(),
                               w.size() / static_cast<size_t>(shape.rows)};
  const std::vector<float> x = activations(n_tok, shape.cols);
  kernels::ThreadPool pool(threads);
  kernels::ActivationCache cache;
  cache.reset(x.data(), n_tok, shape.cols);
  const GgmlType act = k.types[static_cast<int>(type)].vec_dot_type;
  const kernels::ActivationRows& xa = cache.get(k, pool, act);
  std::vector<float> y(static_cast<size_t>(n_tok * shape.rows));
  for (auto _ : state) {
    kernels::matmul(k, pool, weight, xa, y.data(), shape.rows);
    benchmark::DoNotOptimize(y.data());
  }
  const double iters = static_cast<double>(state.iterations());
  state.counters["GB/s"] =
      benchmark::Counter(static_cast<double>(w.size()) * iters / 1e9, benchmark::Counter::kIsRate);
  state.counters["GOP/s"] =
      benchmark::Counter(2.0 * static_cast<double>(shape.rows * shape.cols * n_tok) * iters / 1e9,
                         benchmark::Counter::kIsRate);
}

int register_all() {
  for (GgmlType type : kTypes) {
    const std::string type_name = quant_type_info(type).name;
    for (const MatShape& shape : model_shapes()) {
      const std::string base = type_name + "/" + shape.model + "/" + shape.tensor + "/" +
                               std::to_string(shape.cols) + "x" + std::to_string(shape.rows);
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            ("gemv/" + base + "/threads:" + std::to_string(threads)).c_str(), run_matmul, type,
            shape, int64_t{1}, threads)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
        // Prefill shapes without the LM head (prefill computes logits of the last token only).
        if (std::string(shape.tensor) == "output") continue;
        benchmark::RegisterBenchmark(
            ("gemm/" + base + "/tokens:128/threads:" + std::to_string(threads)).c_str(), run_matmul,
            type, shape, int64_t{128}, threads)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace shoptalk::bench
