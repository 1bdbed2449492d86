#include "kernels/thread_pool.h"

#include <algorithm>
#include <cerrno>
#include <new>

namespace shoptalk::kernels {

namespace {

// Polls of a shared flag before a thread blocks (roughly 50-100 us).
constexpr int kSpinPolls = 1 << 12;
constexpr size_t kScratchAlignment = 64;

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// The scratch of the part this thread is running, and its size.
thread_local uint8_t* current_scratch = nullptr;
thread_local size_t current_scratch_bytes = 0;

}  // namespace

ThreadPool::ThreadPool(int n_threads, size_t scratch_bytes) {
  const int threads = std::max(1, n_threads);
  if (scratch_bytes > 0) {
    scratch_stride_ =
        (scratch_bytes + kScratchAlignment - 1) / kScratchAlignment * kScratchAlignment;
    scratch_.reset(static_cast<uint8_t*>(
        std::aligned_alloc(kScratchAlignment, scratch_stride_ * static_cast<size_t>(threads))));
    if (!scratch_) {
      error_ = ENOMEM;
      return;
    }
    scratch_bytes_ = scratch_bytes;
  }
  if (threads > 1) {
    workers_.reset(new (std::nothrow) Worker[static_cast<size_t>(threads - 1)]);
    if (!workers_) {
      error_ = ENOMEM;
      return;
    }
  }
  for (int i = 1; i < threads; ++i) {
    Worker& w = workers_[static_cast<size_t>(i - 1)];
    w.pool = this;
    w.index = i;
    error_ = pthread_create(&w.thread, nullptr, &ThreadPool::worker_main, &w);
    if (error_ != 0) return;
    ++n_workers_;
  }
}

ThreadPool::~ThreadPool() {
  stopping_.store(true, std::memory_order_release);
  generation_.fetch_add(1, std::memory_order_release);
  { std::lock_guard<std::mutex> lock(mutex_); }
  start_cv_.notify_all();
  for (int i = 0; i < n_workers_; ++i)
    pthread_join(workers_[static_cast<size_t>(i)].thread, nullptr);
}

void* ThreadPool::worker_main(void* worker) {
  const Worker& w = *static_cast<const Worker*>(worker);
  w.pool->worker_loop(w.index);
  return nullptr;
}

uint8_t* ThreadPool::scratch(size_t bytes) {
  return bytes <= current_scratch_bytes ? current_scratch : nullptr;
}

void ThreadPool::run_part(int index) {
  const int64_t parts = job_parts_;
  if (index >= parts) return;
  const int64_t begin = job_size_ * index / parts;
  const int64_t end = job_size_ * (index + 1) / parts;
  if (begin >= end) return;
  current_scratch =
      scratch_ ? scratch_.get() + scratch_stride_ * static_cast<size_t>(index) : nullptr;
  current_scratch_bytes = scratch_bytes_;
  (*job_)(begin, end);
  current_scratch = nullptr;
  current_scratch_bytes = 0;
}

void ThreadPool::parallel_for(int64_t n, RangeFn fn, int64_t grain) {
  if (n <= 0) return;
  const int64_t parts =
      std::min<int64_t>(size(), std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
  job_ = &fn;
  job_size_ = n;
  job_parts_ = static_cast<int>(parts);
  if (parts == 1) {
    run_part(0);
    job_ = nullptr;
    return;
  }
  pending_.store(n_workers_, std::memory_order_relaxed);
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
