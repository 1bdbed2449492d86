// GEMV (decode, one token) and GEMM (prefill, 128 tokens) of every hot weight type at the real
// projection shapes, through the library's matmul driver, over row-major weights and (gemv_packed,
// the layout a loaded model decodes from) packed panels. Counters: GB/s of weight bytes streamed
// (GEMV) and GOP/s of multiply-adds ×2 (GEMM).
#include <benchmark/benchmark.h>

#include <string>

#include "bench_data.h"
#include "formats/quant_table.h"
#include "kernels/matmul.h"
#include "kernels/packed_layout.h"

namespace shoptalk::bench {
namespace {

const GgmlType kTypes[] = {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::Q4_K,   GgmlType::Q5_K,
                           GgmlType::Q6_K, GgmlType::Q5_0, GgmlType::IQ4_NL, GgmlType::F16};

void run_matmul(benchmark::State& state, GgmlType type, MatShape shape, int64_t n_tok, int threads,
                bool packed) {
  const kernels::KernelTable& k = bench_kernels();
  const std::vector<uint8_t>& w = weight_bytes(type, shape.rows, shape.cols);
  std::vector<uint8_t> panels;
  if (packed) {
    const kernels::PanelShape panel = kernels::panel_shape(type, shape.rows, shape.cols);
    panels.resize(w.size());
    kernels::pack_panels(panel, w.data(), 0, panel.blocks(), panels.data());
  }
  const kernels::Weight weight{type,
                               shape.rows,
                               shape.cols,
                               packed ? panels.data() : w.data(),
                               w.size() / static_cast<size_t>(shape.rows),
                               packed};
  const std::vector<float> x = activations(n_tok, shape.cols);
  kernels::ThreadPool pool(threads, kernels::matmul_scratch_bytes(k, type, shape.cols));
  kernels::ActivationCache cache;
  const GgmlType act = k.types[static_cast<int>(type)].vec_dot_type;
  if (!cache.reserve({act}, n_tok, shape.cols)) {
    state.SkipWithError("cannot allocate the activations");
    return;
  }
  cache.reset(x.data(), n_tok, shape.cols);
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

}  // namespace

// Called from main: which types have a packed kernel depends on the table, built at run time.
void register_matmul_benchmarks() {
  for (GgmlType type : kTypes) {
    const std::string type_name = quant_type_info(type).name;
    const bool packs = bench_kernels().types[static_cast<int>(type)].packed_gemm != nullptr;
    for (const MatShape& shape : model_shapes()) {
      const std::string base = type_name + "/" + shape.model + "/" + shape.tensor + "/" +
                               std::to_string(shape.cols) + "x" + std::to_string(shape.rows);
      for (int threads : {1, 2}) {
        benchmark::RegisterBenchmark(
            ("gemv/" + base + "/threads:" + std::to_string(threads)).c_str(), run_matmul, type,
            shape, int64_t{1}, threads, false)
            ->Unit(benchmark::kMicrosecond)
            ->UseRealTime();
        if (packs) {
          benchmark::RegisterBenchmark(
              ("gemv_packed/" + base + "/threads:" + std::to_string(threads)).c_str(), run_matmul,
              type, shape, int64_t{1}, threads, true)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
        // Prefill shapes without the LM head (prefill computes logits of the last token only).
        if (std::string(shape.tensor) == "output") continue;
        benchmark::RegisterBenchmark(
            ("gemm/" + base + "/tokens:128/threads:" + std::to_string(threads)).c_str(), run_matmul,
            type, shape, int64_t{128}, threads, false)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
}

}  // namespace shoptalk::bench
