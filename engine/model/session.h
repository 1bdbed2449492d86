// A session: one conversation on a shared Model — its KV cache, position, working buffers and
// thread pool. Sessions are independent: any number may run concurrently on one Model.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/kv_cache.h"
#include "engine/model/memory.h"
#include "engine/model/model.h"
#include "kernels/thread_pool.h"

namespace shoptalk::engine {

// The most threads a session (or a machine measurement) computes with.
inline constexpr int kMaxThreads = 256;

// The one check of a thread count, for the engine's sessions and every public entry point that
// takes one: 0 means one thread per core (at most kMaxThreads), 1..kMaxThreads is taken as
// given, anything else is kInvalidArgument.
Result<int> resolve_threads(int requested);

// Tokens per forward pass. The forward buffers grow with it (32 KiB a token for Qwen3-0.6B, see
// ForwardBuffers), prefill speed hardly does beyond a few hundred (docs/benchmarking.md).
inline constexpr uint32_t kDefaultBatch = 256;

struct SessionOptions {
  uint32_t n_ctx = 0;  // positions the KV cache holds; 0: min(training context, 4096)
  GgmlType kv_type = GgmlType::F16;
  int n_threads = 1;                 // 0: one per core (resolve_threads)
  uint32_t n_batch = kDefaultBatch;  // tokens per forward pass; longer inputs run in several
  // false: a session for embed() only, which never runs the LM head; its eval() is
  // kInvalidArgument.
  bool logits = true;
  // Set from any thread to stop an eval: checked before every layer of every batch. The flag
  // belongs to the caller (clear it before the next eval); nullptr = never cancelled.
  const std::atomic<bool>* cancel = nullptr;
};

// A row of logits, valid until the next eval on the same session.
struct Logits {
  const float* data = nullptr;
  int64_t n_vocab = 0;
};

class Session {
 public:
  // Allocates everything the session will use (KV cache, forward buffers, threads and their
  // scratch): kOutOfMemory or kInternal when that fails, and nothing allocates afterwards.
  static Result<std::unique_ptr<Session>> create(std::shared_ptr<const Model> model,
                                                 const SessionOptions& options = {});

  // Appends tokens at the current position. The last token's logits are then logits(); with
  // `all_logits` set, every token's are also written there (n_tokens rows of n_vocab). A token
  // outside the vocabulary is kInvalidArgument; more tokens than the context has room for is
  // kContextOverflow; a cancel (SessionOptions::cancel) is kCancelled. On error the position and
  // logits() are unchanged (cache rows past the position may have been written; later evals
  // overwrite them).
  Status eval(const int32_t* tokens, size_t n_tokens, float* all_logits = nullptr);
  Status eval(const std::vector<int32_t>& tokens, float* all_logits = nullptr) {
    return eval(tokens.data(), tokens.size(), all_logits);
  }
  // The logits after the last evaluated token (or as restored with logits_row()).
  Logits logits() const { return {buffers_.logits, model_->hparams().n_vocab}; }
  float* logits_row() { return buffers_.logits; }

  // Evaluates one sequence from position 0 (it replaces the context) and pools the output-normed
  // hidden states of its tokens (forward_states) into `out`, n_embd floats: kMean averages them,
  // kCls takes the first token's, kLast the last token's. The LM head is not run. Errors as
  // eval(); Pooling::kNone is kInvalidArgument.
  Status embed(const int32_t* tokens, size_t n_tokens, Pooling pooling, float* out);

  int64_t position() const { return position_; }
  uint32_t n_ctx() const { return kv_.n_ctx(); }
  // Forgets the conversation (the cache contents are overwritten as new tokens arrive).
  void reset() { position_ = 0; }
  // Forgets every token from `position` on (no effect when position >= the current one).
  void truncate(int64_t position) {
    position_ = std::min(position_, std::max<int64_t>(position, 0));
  }
  // The cache, for saving a session's state and restoring it: write rows [0, n) of every layer,
  // then restore_position(n). n beyond the context is clamped to it.
  const KvCache& kv_cache() const { return kv_; }
  KvCache& kv_cache() { return kv_; }
  void restore_position(int64_t n) {
    position_ = std::min<int64_t>(std::max<int64_t>(n, 0), kv_.n_ctx());
  }
  const Model& model() const { return *model_; }
  // What the session holds, by category: the same figures plan_memory gives for its settings.
  MemoryReport memory() const;

 private:
  Session(std::shared_ptr<const Model> model, KvCache kv, ForwardBuffers buffers,
          std::unique_ptr<kernels::ThreadPool> pool, const SessionOptions& options);
  // kInvalidArgument for an empty input or a token outside the vocabulary, kContextOverflow when
  // the tokens do not fit after the current position.
  Status check_tokens(const int32_t* tokens, size_t n_tokens) const;

  std::shared_ptr<const Model> model_;
  KvCache kv_;
  ForwardBuffers buffers_;
  std::unique_ptr<kernels::ThreadPool> pool_;
  SessionShape shape_;
  bool computes_logits_ = true;
  const float* rope_factors_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;
  int64_t position_ = 0;
};

}  // namespace shoptalk::engine
