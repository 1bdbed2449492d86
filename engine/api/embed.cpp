// shoptalk::Model::embed: pooled sequence embeddings, each call on an embedding-only session of
// its own (no logits buffer, no LM head), so concurrent callers share nothing but the weights.
#include <cmath>

#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "engine/model/memory.h"
#include "formats/try.h"

namespace shoptalk {

// The public enum and the engine's both carry GGUF's pooling_type values.
static_assert(static_cast<int>(Pooling::kNone) == static_cast<int>(engine::Pooling::kNone) &&
                  static_cast<int>(Pooling::kMean) == static_cast<int>(engine::Pooling::kMean) &&
                  static_cast<int>(Pooling::kCls) == static_cast<int>(engine::Pooling::kCls) &&
                  static_cast<int>(Pooling::kLast) == static_cast<int>(engine::Pooling::kLast),
              "Pooling values differ from the engine's");

const char* pooling_name(Pooling pooling) {
  switch (pooling) {
    case Pooling::kMean:
      return "mean";
    case Pooling::kCls:
      return "cls";
    case Pooling::kLast:
      return "last";
    case Pooling::kNone:
      break;
  }
  return "none";
}

Result<Pooling> pooling_from_name(std::string_view name) {
  for (Pooling p : {Pooling::kNone, Pooling::kMean, Pooling::kCls, Pooling::kLast})
    if (name == pooling_name(p)) return p;
  return Error(ErrorCode::kInvalidArgument,
               "unknown pooling '" + std::string(name) + "' (none, mean, cls or last)");
}

namespace {

Status check_inputs(const std::vector<std::vector<Token>>& inputs, const engine::HParams& hp,
                    bool allow_beyond_training) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].empty())
      return Error(ErrorCode::kInvalidArgument, "input " + std::to_string(i) + " is empty");
    if (inputs[i].size() > hp.n_ctx_train && !allow_beyond_training)
      return Error(ErrorCode::kContextOverflow,
                   "input " + std::to_string(i) + " has " + std::to_string(inputs[i].size()) +
                       " tokens, more than the training context of " +
                       std::to_string(hp.n_ctx_train) +
                       " (ModelOptions::allow_context_beyond_training allows it)");
  }
  return {};
}

void normalize(std::vector<float>& v) {
  double sum = 0.0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (sum == 0.0) return;
  const double inv = 1.0 / std::sqrt(sum);
  for (float& x : v) x = static_cast<float>(x * inv);
}

}  // namespace

Result<std::vector<std::vector<float>>> Model::embed_tokens(
    const std::vector<std::vector<Token>>& inputs, const EmbedOptions& options) const {
  return api::guarded([&]() -> Result<std::vector<std::vector<float>>> {
    const Impl& m = *impl_;
    if (!m.model)
      return Error(ErrorCode::kInvalidArgument,
                   "the model was loaded with vocab_only; it cannot run");
    const Pooling pooling = options.pooling != Pooling::kNone ? options.pooling : m.info.pooling;
    if (pooling == Pooling::kNone)
      return Error(ErrorCode::kInvalidArgument,
                   "the model declares no pooling (it is not an embedding model): name one in the "
                   "embedding options (mean, cls or last)");
    const engine::HParams& hp = m.model->hparams();
    ST_TRY(check_inputs(inputs, hp, m.options.allow_context_beyond_training));
    std::vector<std::vector<float>> out;
    if (inputs.empty()) return out;

    engine::SessionOptions so;
    for (const std::vector<Token>& input : inputs)
      so.n_ctx = std::max(so.n_ctx, static_cast<uint32_t>(input.size()));
    so.kv_type = api::kv_ggml_type(m.options.kv_type);
    ST_ASSIGN_OR_RETURN(
        so.n_threads,
        engine::resolve_threads(options.threads != 0 ? options.threads : m.options.threads));
    so.cancel = options.cancel;
    so.logits = false;
    // The embedding session counts against the model's memory budget while it exists, as any.
    const engine::MemoryReport planned =
        engine::session_memory(*m.model, {so.n_ctx, so.kv_type, so.n_batch, so.n_threads});
    ST_TRY(m.budget->reserve(planned.kv_cache, planned.scratch));
    const api::BudgetShare share(*m.budget, planned.kv_cache + planned.scratch);
    ST_ASSIGN_OR_RETURN(std::unique_ptr<engine::Session> session,
                        engine::Session::create(m.model, so));
    out.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      std::vector<float> v(hp.n_embd);
      const Status s = session->embed(inputs[i].data(), inputs[i].size(),
                                      static_cast<engine::Pooling>(pooling), v.data());
      if (!s)
        return Error(s.error().code(), "input " + std::to_string(i) + ": " + s.error().message());
      if (options.normalize) normalize(v);
      out.push_back(std::move(v));
    }
    return out;
  });
}

Result<std::vector<std::vector<float>>> Model::embed(const std::vector<std::string>& texts,
                                                     const EmbedOptions& options) const {
  return api::guarded([&]() -> Result<std::vector<std::vector<float>>> {
    std::vector<std::vector<Token>> inputs;
    inputs.reserve(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      Result<std::vector<Token>> tokens = tokenize(texts[i], true, true);
      if (!tokens)
        return Error(tokens.error().code(),
                     "input " + std::to_string(i) + ": " + tokens.error().message());
      inputs.push_back(std::move(tokens).value());
    }
    return embed_tokens(inputs, options);
  });
}

}  // namespace shoptalk
