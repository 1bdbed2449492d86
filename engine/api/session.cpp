// shoptalk::Session: a conversation's KV cache, position and tokens on a shared Model.
#include "engine/api/impl.h"
#include "formats/try.h"

namespace shoptalk {

Status Session::Impl::append(const std::vector<Token>& batch) {
  if (batch.empty()) return {};
  ST_ASSIGN_OR_RETURN(const engine::Logits logits,
                      session->eval(batch, engine::LogitsWanted::kLast));
  tokens.insert(tokens.end(), batch.begin(), batch.end());
  last_logits.assign(logits.data, logits.data + logits.n_vocab);
  return {};
}

Result<Session> Session::create(const Model& model, const SessionOptions& options) {
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
  so.n_threads = options.threads != 0 ? options.threads : m.options.threads;
  so.cancel = options.cancel;
  auto impl = std::make_unique<Impl>();
  impl->model = model.impl_;
  impl->cancel = options.cancel;
  impl->kv_type = kv_type;
  ST_ASSIGN_OR_RETURN(impl->session, engine::Session::create(m.model, so));
  return Session(std::move(impl));
}

Session::Session(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;
Session::~Session() = default;

Result<std::vector<float>> Session::eval(const std::vector<Token>& tokens, bool all_logits) {
  ST_ASSIGN_OR_RETURN(const engine::Logits logits,
                      impl_->session->eval(tokens, all_logits ? engine::LogitsWanted::kAll
                                                              : engine::LogitsWanted::kLast));
  impl_->tokens.insert(impl_->tokens.end(), tokens.begin(), tokens.end());
  const float* last = logits.row(logits.n_rows - 1);
  impl_->last_logits.assign(last, last + logits.n_vocab);
  return std::vector<float>(logits.data, logits.data + logits.n_rows * logits.n_vocab);
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
  impl_->last_logits.clear();
}
const std::vector<Token>& Session::tokens() const {
  return impl_->tokens;
}

Status Session::truncate(int position) {
  if (position < 0 || position > this->position())
    return Error(ErrorCode::kInvalidArgument, "cannot truncate to position " +
                                                  std::to_string(position) + " of " +
                                                  std::to_string(this->position()));
  if (position == this->position()) return {};
  impl_->session->truncate(position);
  impl_->tokens.resize(static_cast<size_t>(position));
  impl_->last_logits.clear();
  return {};
}

Status Session::prompt(const std::vector<Token>& tokens) {
  return impl_->append(tokens);
}

Status Session::prompt(std::string_view text) {
  return impl_->append(impl_->model->tokenizer->tokenize(text, impl_->tokens.empty(), true));
}

}  // namespace shoptalk
