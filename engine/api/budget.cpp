#include "engine/api/budget.h"

#include <cstdio>

namespace shoptalk::api {

namespace {
std::string mib(uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  return text;
}
}  // namespace

std::string amount(uint64_t bytes, uint64_t other) {
  if (mib(bytes) != mib(other)) return mib(bytes);
  return std::to_string(bytes) + " bytes";
}

Status Budget::reserve(uint64_t kv_cache, uint64_t scratch) {
  const uint64_t need = kv_cache + scratch;
  uint64_t used = sessions_bytes_.load(std::memory_order_relaxed);
  do {
    const uint64_t taken = model_bytes_ + used;
    if (limit_ > 0 && (taken > limit_ || need > limit_ - taken)) {
      const uint64_t left = taken < limit_ ? limit_ - taken : 0;
      const int sessions = sessions_.load(std::memory_order_relaxed);
      return Error(ErrorCode::kBudgetExceeded,
                   "the session needs " + amount(need, left) + " (KV cache " + mib(kv_cache) +
                       ", scratch " + mib(scratch) + ") but " + amount(left, need) +
                       " of the memory budget of " + mib(limit_) + " are left (model " +
                       mib(model_bytes_) + ", " + std::to_string(sessions) +
                       (sessions == 1 ? " session " : " sessions ") + mib(used) + ")");
    }
  } while (!sessions_bytes_.compare_exchange_weak(used, used + need, std::memory_order_relaxed));
  sessions_.fetch_add(1, std::memory_order_relaxed);
  return {};
}

void Budget::release(uint64_t bytes) {
  sessions_bytes_.fetch_sub(bytes, std::memory_order_relaxed);
  sessions_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace shoptalk::api
