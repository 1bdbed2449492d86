// A persistent pool of worker threads: created once (per session), then reused for every parallel
// loop, so no thread is created per token. Work is split statically by index range; each index is
// computed by the same code whichever thread runs it, so results never depend on the thread count.
// Between loops the threads spin briefly before they sleep, so the back-to-back matmuls of a
// forward pass start without a wake-up through the kernel.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace shoptalk::kernels {

// A non-owning reference to a callable `void(int64_t begin, int64_t end)`.
class RangeFn {
 public:
  template <typename F>
  RangeFn(const F& f)  // NOLINT: implicit so lambdas convert at the call site
      : object_(&f),
        call_([](const void* o, int64_t b, int64_t e) { (*static_cast<const F*>(o))(b, e); }) {}
  void operator()(int64_t begin, int64_t end) const { call_(object_, begin, end); }

 private:
  const void* object_;
  void (*call_)(const void*, int64_t, int64_t);
};

class ThreadPool {
 public:
  // n_threads counts the calling thread; values below 1 mean 1.
  explicit ThreadPool(int n_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn on contiguous sub-ranges covering [0, n) (thread i gets the i-th of nearly equal
  // parts) and returns when all are done. Each thread gets at least `grain` indices, so small
  // loops use fewer threads (or run on the caller alone): a hand-off costs microseconds, and far
  // more when another process holds the core. Not reentrant; one caller at a time.
  void parallel_for(int64_t n, RangeFn fn, int64_t grain = 1);

 private:
  void worker_loop(int index);
  void run_part(int index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_cv_;
  std::condition_variable done_cv_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<bool> stopping_{false};
  const RangeFn* job_ = nullptr;
  int64_t job_size_ = 0;
  int job_parts_ = 0;
};

}  // namespace shoptalk::kernels
