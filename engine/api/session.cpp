// shoptalk::Session: a conversation's KV cache, position and tokens on a shared Model.
#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "formats/try.h"

namespace shoptalk {

Status Session::Impl::append(const Token* batch, size_t n, float* all_logits) {
  if (n == 0) return {};
  ST_TRY(session->eval(batch, n, all_logits));
  tokens.insert(tokens.end(), batch, batch + n);  // within the reserved room: cannot throw
  logits_known = true;
  return {};
}

Result<Session> Session::create(const Model& model, const SessionOptions& options) {
  return api::guarded([&]() -> Result<Session> {
    const Model::Impl& m = *model.impl_;
    if (!m.model)
      return Error(ErrorCode::kInvalidArgument,
                   "the model was loaded with vocab_only; it cannot run");
    if (options.context < 0)
      return Error(ErrorCode::kInvalidArgument, "session context must not be negative");
    engine::SessionOptions so;
    ST_ASSIGN_OR_RETURN(
        so.n_ctx,
        api::session_context(
            m.model->hparams(), options.context > 0 ? options.context : m.options.context,
            options.allow_context_beyond_training || m.options.allow_context_beyond_training));
    const KvType kv_type = options.kv_type.value_or(m.options.kv_type);
    so.kv_type = api::kv_ggml_type(kv_type);
    ST_ASSIGN_OR_RETURN(
        so.n_threads,
        engine::resolve_threads(options.threads != 0 ? options.threads : m.options.threads));
    so.cancel = options.cancel;
    auto impl = std::make_unique<Impl>();
    impl->model = model.impl_;
    impl->cancel = options.cancel;
    impl->kv_type = kv_type;
    // Held against the model's budget before anything is allocated.
    const engine::MemoryReport planned =
        engine::session_memory(*m.model, {so.n_ctx, so.kv_type, so.n_batch, so.n_threads});
    ST_TRY(m.budget->reserve(planned.kv_cache, planned.scratch));
    impl->budgeted = planned.kv_cache + planned.scratch;
    ST_ASSIGN_OR_RETURN(impl->session, engine::Session::create(m.model, so));
    impl->tokens.reserve(impl->session->n_ctx());
    ST_TRY(impl->sampler.reserve(m.tokenizer->n_vocab()));
    return Session(std::move(impl));
  });
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<std::vector<float>> Session::eval(const std::vector<Token>& tokens, bool all_logits) {
  return api::guarded([&]() -> Result<std::vector<float>> {
    if (tokens.empty()) return Error(ErrorCode::kInvalidArgument, "eval needs at least one token");
    const size_t n_vocab = static_cast<size_t>(impl_->model->info.n_vocab);
    std::vector<float> out((all_logits ? tokens.size() : 1) * n_vocab);
    ST_TRY(impl_->append(tokens.data(), tokens.size(), all_logits ? out.data() : nullptr));
    if (!all_logits) std::copy(logits(), logits() + n_vocab, out.begin());
    return out;
  });
}

Status Session::eval(const Token* tokens, size_t n_tokens, float* all_logits) {
  return api::guarded([&]() -> Status {
    if (n_tokens == 0 || !tokens)
      return Error(ErrorCode::kInvalidArgument, "eval needs at least one token");
    return impl_->append(tokens, n_tokens, all_logits);
  });
}

const float* Session::logits() const {
  return impl_->logits_known ? impl_->session->logits().data : nullptr;
}

int Session::position() const {
  return static_cast<int>(impl_->session->position());
}
int Session::context() const {
  return static_cast<int>(impl_->session->n_ctx());
}
KvType Session::kv_type() const {
  return impl_->kv_type;
}
void Session::reset() {
  impl_->session->reset();
  impl_->tokens.clear();
  impl_->logits_known = false;
}
const std::vector<Token>& Session::tokens() const {
  return impl_->tokens;
}

Status Session::truncate(int position) {
  return api::guarded([&]() -> Status {
    if (position < 0 || position > this->position())
      return Error(ErrorCode::kInvalidArgument, "cannot truncate to position " +
                                                    std::to_string(position) + " of " +
                                                    std::to_string(this->position()));
    if (position == this->position()) return {};
    impl_->session->truncate(position);
    impl_->tokens.resize(static_cast<size_t>(position));
    impl_->logits_known = false;
    return {};
  });
}

Status Session::prompt(const std::vector<Token>& tokens) {
  return api::guarded([&] { return impl_->append(tokens); });
}

Status Session::prompt(std::string_view text) {
  return api::guarded([&] {
    return impl_->append(impl_->model->tokenizer->tokenize(text, impl_->tokens.empty(), true));
  });
}

}  // namespace shoptalk
