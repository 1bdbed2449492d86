#include "kernels/compute_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>

namespace shoptalk::kernels {

double measure_int8_peak(const KernelTable& table, ThreadPool& pool, int64_t rounds, int repeats) {
  if (table.int8_dot_probe == nullptr || rounds <= 0) return 0.0;
  double best = 0.0;
  for (int r = 0; r < std::max(repeats, 1); ++r) {
    std::atomic<int64_t> macs{0};
    const auto start = std::chrono::steady_clock::now();
    pool.parallel_for(pool.size(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i)
        macs.fetch_add(table.int8_dot_probe(rounds), std::memory_order_relaxed);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(macs.load()) / seconds);
  }
  return best;
}

}  // namespace shoptalk::kernels
