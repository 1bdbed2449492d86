// A persistent pool of worker threads: created once (per session), then reused for every parallel
// loop, so no thread is created per token. Work is split statically by index range; each index is
// computed by the same code whichever thread runs it, so results never depend on the thread count.
// Between loops the threads spin briefly before they sleep, so the back-to-back matmuls of a
// forward pass start without a wake-up through the kernel.
//
// Nothing here throws or allocates after construction: the threads (POSIX threads, whose creation
// reports failure as a value) and each thread's scratch are had up front, and a pool that could
// not get them says so through ok().
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>

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
  // n_threads counts the calling thread; values below 1 mean 1. Each thread, the caller's part
  // included, gets scratch_bytes of scratch (see scratch()). When a thread cannot be started or
  // the scratch cannot be allocated, ok() is false, error() says why (an errno value: ENOMEM, or
  // pthread_create's) and the pool must only be destroyed.
  explicit ThreadPool(int n_threads, size_t scratch_bytes = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  bool ok() const { return error_ == 0; }
  int error() const { return error_; }
  int size() const { return n_workers_ + 1; }
  size_t scratch_bytes() const { return scratch_bytes_; }

  // Calls fn on contiguous sub-ranges covering [0, n) (thread i gets the i-th of nearly equal
  // parts) and returns when all are done. Each thread gets at least `grain` indices, so small
  // loops use fewer threads (or run on the caller alone): a hand-off costs microseconds, and far
  // more when another process holds the core. Not reentrant; one caller at a time.
  void parallel_for(int64_t n, RangeFn fn, int64_t grain = 1);

  // Inside fn of a parallel_for: the scratch of the part being run (64-byte aligned) when the
  // pool running it has at least `bytes` per thread; nullptr otherwise and outside a job.
  static uint8_t* scratch(size_t bytes);

 private:
  struct Worker {
    ThreadPool* pool;
    int index;
    pthread_t thread;
  };
  struct FreeBytes {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  static void* worker_main(void* worker);
  void worker_loop(int index);
  void run_part(int index);

  std::unique_ptr<Worker[]> workers_;
  int n_workers_ = 0;  // started
  int error_ = 0;
  std::unique_ptr<uint8_t[], FreeBytes> scratch_;
  size_t scratch_bytes_ = 0;
  size_t scratch_stride_ = 0;
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
