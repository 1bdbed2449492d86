// The int8 multiply-add peak of a kernel level: its dot step issued back to back on register
// operands by every thread, no memory involved. Prefill (a GEMM per weight matrix) is bound by it
// rather than by DRAM, so the benchmark reports prefill efficiency against it.
#pragma once

#include <cstdint>

#include "kernels/kernels.h"
#include "kernels/thread_pool.h"

namespace shoptalk::kernels {

// Multiply-adds per second of the table's int8_dot_probe run by all of the pool's threads at once
// (`rounds` per thread, best of `repeats`), or 0 when the level has no probe.
double measure_int8_peak(const KernelTable& table, ThreadPool& pool, int64_t rounds, int repeats);

}  // namespace shoptalk::kernels
