#include "kernels/bandwidth.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace shoptalk::kernels {

namespace {
// Four independent accumulators keep several loads in flight; the compiler vectorizes the loop
// with the baseline ISA, which reads as fast as memory delivers.
uint64_t sum_words(const uint64_t* p, size_t n) {
  uint64_t a = 0, b = 0, c = 0, d = 0;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    a += p[i];
    b += p[i + 1];
    c += p[i + 2];
    d += p[i + 3];
  }
  for (; i < n; ++i) a += p[i];
  return a + b + c + d;
}
}  // namespace

double measure_read_bandwidth(ThreadPool& pool, size_t bytes, int repeats) {
  const size_t words = bytes / sizeof(uint64_t);
  std::unique_ptr<uint64_t, void (*)(void*)> buffer(
      static_cast<uint64_t*>(std::malloc(words * sizeof(uint64_t))), std::free);
  if (!buffer || words == 0) return 0.0;
  // Touch every page from the threads that will read it, so pages are resident and local.
  pool.parallel_for(static_cast<int64_t>(words), [&](int64_t begin, int64_t end) {
    std::memset(buffer.get() + begin, 1, static_cast<size_t>(end - begin) * sizeof(uint64_t));
  });
  double best = 0.0;
  std::atomic<uint64_t> sink{0};  // keeps the sums observable so the reads are not elided
  for (int r = 0; r < std::max(repeats, 1); ++r) {
    const auto start = std::chrono::steady_clock::now();
    pool.parallel_for(static_cast<int64_t>(words), [&](int64_t begin, int64_t end) {
      sink.fetch_add(sum_words(buffer.get() + begin, static_cast<size_t>(end - begin)),
                     std::memory_order_relaxed);
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(words * sizeof(uint64_t)) / seconds);
  }
  return best;
}

}  // namespace shoptalk::kernels
