#include "engine/model/session.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "formats/try.h"

namespace shoptalk::engine {

namespace {

// Llama-3's frequency factors apply at any context. The LongRoPE rule (docs/models.md): the
// configured context, not the current length, picks the factor set; a context beyond the
// original training context uses the long factors.
const float* choose_rope_factors(const Model& model, uint32_t n_ctx) {
  if (!model.arch().longrope()) return model.rope_freqs();
  return n_ctx > model.hparams().n_ctx_orig ? model.rope_factors_long()
                                            : model.rope_factors_short();
}

}  // namespace

Result<int> resolve_threads(int requested) {
  if (requested < 0 || requested > kMaxThreads)
    return Error(ErrorCode::kInvalidArgument, "threads must be between 0 (one per core) and " +
                                                  std::to_string(kMaxThreads) + ", not " +
                                                  std::to_string(requested));
  if (requested > 0) return requested;
  return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);
}

Session::Session(std::shared_ptr<const Model> model, KvCache kv, ForwardBuffers buffers,
                 std::unique_ptr<kernels::ThreadPool> pool, const SessionOptions& options)
    : model_(std::move(model)),
      kv_(std::move(kv)),
      buffers_(std::move(buffers)),
      pool_(std::move(pool)),
      shape_{kv_.n_ctx(), kv_.type(), options.n_batch, pool_->size()},
      computes_logits_(options.logits),
      rope_factors_(choose_rope_factors(*model_, kv_.n_ctx())),
      cancel_(options.cancel) {}

Result<std::unique_ptr<Session>> Session::create(std::shared_ptr<const Model> model,
                                                 const SessionOptions& options) {
  if (!model) return Error(ErrorCode::kInvalidArgument, "session needs a model");
  const HParams& hp = model->hparams();
  uint32_t n_ctx = options.n_ctx ? options.n_ctx : std::min<uint32_t>(hp.n_ctx_train, 4096);
  if (n_ctx > kMaxContext)
    return Error(ErrorCode::kInvalidArgument, "context of " + std::to_string(n_ctx) +
                                                  " positions exceeds the limit of " +
                                                  std::to_string(kMaxContext));
  if (options.n_batch == 0)
    return Error(ErrorCode::kInvalidArgument, "batch size must be at least 1");
  SessionOptions resolved = options;
  ST_ASSIGN_OR_RETURN(resolved.n_threads, resolve_threads(options.n_threads));
  ST_ASSIGN_OR_RETURN(KvCache kv, KvCache::create(model->kernels(), hp, n_ctx, options.kv_type));
  const ScratchShape shape = model->scratch_shape();
  ST_ASSIGN_OR_RETURN(ForwardBuffers buffers,
                      ForwardBuffers::create(shape, std::min(options.n_batch, n_ctx)));
  std::unique_ptr<kernels::ThreadPool> pool(
      new (std::nothrow) kernels::ThreadPool(resolved.n_threads, shape.thread_scratch));
  if (!pool || !pool->ok())
    return Error(ErrorCode::kOutOfMemory,
                 "cannot start a pool of " + std::to_string(resolved.n_threads) +
                     " threads: " + std::strerror(pool ? pool->error() : ENOMEM));
  Session* session = new (std::nothrow)
      Session(std::move(model), std::move(kv), std::move(buffers), std::move(pool), resolved);
  if (!session) return Error(ErrorCode::kOutOfMemory, "cannot allocate a session");
  return std::unique_ptr<Session>(session);
}

Status Session::check_tokens(const int32_t* tokens, size_t n_tokens) const {
  const HParams& hp = model_->hparams();
  if (n_tokens == 0) return Error(ErrorCode::kInvalidArgument, "no tokens to evaluate");
  for (size_t i = 0; i < n_tokens; ++i) {
    if (tokens[i] < 0 || static_cast<uint32_t>(tokens[i]) >= hp.n_vocab)
      return Error(ErrorCode::kInvalidArgument,
                   "token id " + std::to_string(tokens[i]) + " at index " + std::to_string(i) +
                       " is outside the vocabulary of " + std::to_string(hp.n_vocab));
  }
  if (n_tokens > static_cast<size_t>(kv_.n_ctx() - position_))
    return Error(ErrorCode::kContextOverflow, "context full: " + std::to_string(position_) +
                                                  " of " + std::to_string(kv_.n_ctx()) +
                                                  " positions used, " + std::to_string(n_tokens) +
                                                  " more requested");
  return {};
}

Status Session::eval(const int32_t* tokens, size_t n_tokens, float* all_logits) {
  const HParams& hp = model_->hparams();
  if (!computes_logits_)
    return Error(ErrorCode::kInvalidArgument, "an embedding session computes no logits");
  ST_TRY(check_tokens(tokens, n_tokens));

  const ForwardContext ctx{*model_, kv_, buffers_, *pool_, rope_factors_, cancel_};
  const int64_t start = position_;
  for (size_t done = 0; done < n_tokens;) {
    const int64_t n = std::min<int64_t>(buffers_.n_batch, static_cast<int64_t>(n_tokens - done));
    const bool last_batch = done + static_cast<size_t>(n) == n_tokens;
    // Only the last batch's last row reaches logits() (an earlier one's would be overwritten,
    // and a cancelled eval leaves the previous logits in place).
    float* out = all_logits   ? all_logits + done * hp.n_vocab
                 : last_batch ? buffers_.logits
                              : nullptr;
    if (!forward(ctx, tokens + done, n, position_, out, all_logits != nullptr)) {
      position_ = start;
      return Error(ErrorCode::kCancelled, "evaluation cancelled after " + std::to_string(done) +
                                              " of " + std::to_string(n_tokens) + " tokens");
    }
    position_ += n;
    done += static_cast<size_t>(n);
  }
  if (all_logits) {
    const float* last = all_logits + (n_tokens - 1) * hp.n_vocab;
    std::copy(last, last + hp.n_vocab, buffers_.logits);
  }
  return {};
}

Status Session::embed(const int32_t* tokens, size_t n_tokens, Pooling pooling, float* out) {
  if (pooling == Pooling::kNone)
    return Error(ErrorCode::kInvalidArgument, "an embedding needs a pooling (mean, cls or last)");
  reset();
  ST_TRY(check_tokens(tokens, n_tokens));
  const int64_t n_embd = model_->hparams().n_embd;
  const kernels::KernelTable& k = model_->kernels();
  const ForwardContext ctx{*model_, kv_, buffers_, *pool_, rope_factors_, cancel_};
  std::fill(out, out + n_embd, 0.0f);
  for (size_t done = 0; done < n_tokens;) {
    const int64_t n = std::min<int64_t>(buffers_.n_batch, static_cast<int64_t>(n_tokens - done));
    if (!forward_states(ctx, tokens + done, n, position_)) {
      reset();
      return Error(ErrorCode::kCancelled, "embedding cancelled after " + std::to_string(done) +
                                              " of " + std::to_string(n_tokens) + " tokens");
    }
    const float* states = buffers_.normed;
    if (pooling == Pooling::kMean) {
      for (int64_t t = 0; t < n; ++t) k.add(out, states + t * n_embd, n_embd);
    } else if (pooling == Pooling::kCls && done == 0) {
      std::copy(states, states + n_embd, out);
    } else if (pooling == Pooling::kLast && done + static_cast<size_t>(n) == n_tokens) {
      std::copy(states + (n - 1) * n_embd, states + n * n_embd, out);
    }
    position_ += n;
    done += static_cast<size_t>(n);
  }
  if (pooling == Pooling::kMean) k.scale(out, 1.0f / static_cast<float>(n_tokens), n_embd);
  return {};
}

MemoryReport Session::memory() const {
  return session_memory(*model_, shape_);
}

}  // namespace shoptalk::engine
