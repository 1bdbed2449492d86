// shoptalk-kernel-bench: Google Benchmark over the kernels, with the kernel ISA level, the DRAM
// read bandwidth and the level's int8 multiply-add peak (measured at start-up with 1 and 2 threads)
// in the benchmark context, so GEMV GB/s and GEMM GOP/s can be read against the machine's limits.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
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
  // SHOPTALK_KERNEL_BENCH_MACHINE=0 leaves the machine figures out: under an emulator (counting
  // instructions with qemu, docs/kernels.md) they mean nothing and take minutes.
  const char* machine = std::getenv("SHOPTALK_KERNEL_BENCH_MACHINE");
  const int machine_threads = machine && std::string(machine) == "0" ? 0 : 2;
  for (int threads = 1; threads <= machine_threads; ++threads) {
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
