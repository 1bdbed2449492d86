// Activation quantization and the float element-wise operations at the model widths.
#include <benchmark/benchmark.h>

#include <string>

#include "bench_data.h"
#include "formats/quant_table.h"
#include "kernels/matmul.h"

namespace shoptalk::bench {
namespace {

void run_quantize(benchmark::State& state, GgmlType type, int64_t n) {
  const kernels::KernelTable& k = bench_kernels();
  const std::vector<float> x = activations(1, n);
  std::vector<uint8_t> out(kernels::activation_row_bytes(type, n));
  for (auto _ : state) {
    k.from_float[static_cast<int>(type)](x.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
  }
  state.counters["GB/s"] = benchmark::Counter(
      static_cast<double>(n) * 4.0 * static_cast<double>(state.iterations()) / 1e9,
      benchmark::Counter::kIsRate);
}

enum class Op { kRmsnorm, kSiluMul, kAdd, kRopeNeox };

void run_op(benchmark::State& state, Op op, int64_t n) {
  const kernels::KernelTable& k = bench_kernels();
  std::vector<float> x = activations(1, n);
  const std::vector<float> w = activations(1, n);
  std::vector<float> y(static_cast<size_t>(n));
  std::vector<float> c(64, 0.5f), s(64, 0.25f);
  for (auto _ : state) {
    switch (op) {
      case Op::kRmsnorm:
        k.rmsnorm(x.data(), w.data(), y.data(), n, 1e-6f);
        break;
      case Op::kSiluMul:
        k.silu_mul(x.data(), w.data(), y.data(), n);
        break;
      case Op::kAdd:
        k.add(y.data(), x.data(), n);
        break;
      case Op::kRopeNeox:
        k.rope_apply(x.data(), static_cast<int>(n / 128), 128, 128, kernels::RopeStyle::kNeox,
                     c.data(), s.data());
        break;
    }
    benchmark::DoNotOptimize(y.data());
    benchmark::DoNotOptimize(x.data());
  }
  state.counters["Melem/s"] =
      benchmark::Counter(static_cast<double>(n) * static_cast<double>(state.iterations()) / 1e6,
                         benchmark::Counter::kIsRate);
}

int register_all() {
  for (GgmlType type :
       {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K, GgmlType::F16, GgmlType::BF16}) {
    for (int64_t n : {1024, 3072, 8192}) {
      const std::string name =
          std::string("quantize/") + quant_type_info(type).name + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(name.c_str(), run_quantize, type, n);
    }
  }
  const std::pair<Op, const char*> ops[] = {{Op::kRmsnorm, "rmsnorm"},
                                            {Op::kSiluMul, "silu_mul"},
                                            {Op::kAdd, "add"},
                                            {Op::kRopeNeox, "rope_neox"}};
  for (const auto& [op, name] : ops) {
    for (int64_t n : {1024, 3072, 8192}) {
      benchmark::RegisterBenchmark((std::string("float/") + name + "/" + std::to_string(n)).c_str(),
                                   run_op, op, n);
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace shoptalk::bench
