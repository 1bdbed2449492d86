// DRAM read bandwidth, measured the way decode reads weights: every thread streams its share of a
// buffer much larger than the caches. The benchmark reports decode efficiency against it.
#pragma once

#include <cstddef>

#include "kernels/thread_pool.h"

namespace shoptalk::kernels {

// Bytes per second read from a `bytes`-sized buffer by the pool's threads (best of `repeats`),
// or 0 when the buffer cannot be allocated.
double measure_read_bandwidth(ThreadPool& pool, size_t bytes, int repeats);

}  // namespace shoptalk::kernels
