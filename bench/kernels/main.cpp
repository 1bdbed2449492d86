// shoptalk-kernel-bench: Google Benchmark over the kernels, with the kernel ISA level, the DRAM
// read bandwidth and the level's int8 multiply-add peak (measured at start-up with 1 and 2 threads)
// in the benchmark context, so GEMV GB/s and GEMM GOP/s can be read against the machine's limits.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <string>

#include "bench_data.h"
#include "kernels/bandwidth.h"
#include "kernels/compute_peak.h"

int main(int argc, char** argv) {
  using namespace shoptalk;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  bench::register_matmul_benchmarks();
  benchmark::AddCustomContext("isa", kernels::isa_name(bench::bench_kernels().isa));
  for (int threads : {1, 2}) {
    kernels::ThreadPool pool(threads);
    const double bw = kernels::measure_read_bandwidth(pool, size_t{1} << 30, 3);
    char text[32];
    std::snprintf(text, sizeof text, "%.2f GB/s", bw / 1e9);
    benchmark::AddCustomContext("dram_read_bandwidth_threads_" + std::to_string(threads), text);
    const double peak = kernels::measure_int8_peak(bench::bench_kernels(), pool, 1 << 23, 3);
    std::snprintf(text, sizeof text, "%.1f GOP/s", 2 * peak / 1e9);  // GEMM's unit: 2 per MAC
    benchmark::AddCustomContext("int8_peak_threads_" + std::to_string(threads), text);
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
