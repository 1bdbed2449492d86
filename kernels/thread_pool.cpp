#include "kernels/thread_pool.h"

#include <algorithm>

namespace shoptalk::kernels {

namespace {

// Polls of a shared flag before a thread blocks (roughly 50-100 us).
constexpr int kSpinPolls = 1 << 12;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

}  // namespace

ThreadPool::ThreadPool(int n_threads) {
  for (int i = 1; i < n_threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  { std::lock_guard<std::mutex> lock(mutex_); }
  start_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

void ThreadPool::run_part(int index) {
  const int64_t parts = job_parts_;
  if (index >= parts) return;
  const int64_t begin = job_size_ * index / parts;
  const int64_t end = job_size_ * (index + 1) / parts;
  if (begin < end) (*job_)(begin, end);
}

void ThreadPool::parallel_for(int64_t n, RangeFn fn, int64_t grain) {
  if (n <= 0) return;
  const int64_t parts =
      std::min<int64_t>(size(), std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
  if (parts == 1) {
    fn(0, n);
    return;
  }
  job_ = &fn;
  job_size_ = n;
  job_parts_ = static_cast<int>(parts);
  pending_.store(static_cast<int>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  // A worker that saw the old generation under the lock is already waiting when this lock is
  // taken, so the notification cannot be lost.
  { std::lock_guard<std::mutex> lock(mutex_); }
  start_cv_.notify_all();
  run_part(0);
  for (int i = 0; i < kSpinPolls && pending_.load(std::memory_order_acquire) != 0; ++i) cpu_relax();
  if (pending_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    done_cv_.wait(lock, [this] { return pending_.load(std::memory_order_acquire) == 0; });
  }
  job_ = nullptr;
}

void ThreadPool::worker_loop(int index) {
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinPolls && generation_.load(std::memory_order_acquire) == seen; ++i)
      cpu_relax();
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      start_cv_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load(std::memory_order_acquire)) return;
    run_part(index);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      { std::lock_guard<std::mutex> lock(mutex_); }
      done_cv_.notify_one();
    }
  }
}

}  // namespace shoptalk::kernels
