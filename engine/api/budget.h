// ModelOptions::memory_budget over a model's lifetime: the model's own bytes, then every session's
// KV cache and scratch, reserved before the session allocates anything and given back when it
// ends. Shared by the threads that create sessions on one model.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "shoptalk/result.hpp"

namespace shoptalk::api {

// `bytes` as MiB with one decimal ("63.0 MiB"), or exactly ("66060288 bytes") when `other`, the
// figure it is compared with, would read the same in MiB: a refusal always shows why.
std::string amount(uint64_t bytes, uint64_t other);

class Budget {
 public:
  // limit 0: no budget (reservations always succeed).
  Budget(uint64_t limit, uint64_t model_bytes) : limit_(limit), model_bytes_(model_bytes) {}

  // Reserves a session's KV cache and scratch; kBudgetExceeded, with the figures, when they do not
  // fit beside the model and the sessions already created.
  Status reserve(uint64_t kv_cache, uint64_t scratch);
  void release(uint64_t bytes);

 private:
  const uint64_t limit_;
  const uint64_t model_bytes_;
  std::atomic<uint64_t> sessions_bytes_{0};
  std::atomic<int> sessions_{0};
};

// Gives a reservation back when it goes out of scope.
class BudgetShare {
 public:
  BudgetShare(Budget& budget, uint64_t bytes) : budget_(budget), bytes_(bytes) {}
  BudgetShare(const BudgetShare&) = delete;
  BudgetShare& operator=(const BudgetShare&) = delete;
  ~BudgetShare() { budget_.release(bytes_); }

 private:
  Budget& budget_;
  const uint64_t bytes_;
};

}  // namespace shoptalk::api
