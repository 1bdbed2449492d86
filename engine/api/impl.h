// What the public Model and Session handles hold (engine/api only).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "engine/api/budget.h"
#include "engine/chat/chat_template.h"
#include "engine/model/model.h"
#include "engine/model/session.h"
#include "engine/sampling/sampler.h"
#include "engine/tokenizer/tokenizer.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

struct Model::Impl {
  ModelOptions options;
  ModelInfo info;
  std::shared_ptr<const engine::Model> model;  // null for a vocab-only load
  std::optional<gguf::GgufFile> vocab_file;    // the file of a vocab-only load
  std::optional<engine::Tokenizer> tokenizer;
  std::optional<engine::ChatFamily> chat_family;  // none: info.chat_error says why
  MemoryPlan memory;
  std::unique_ptr<api::Budget> budget;  // null for a vocab-only load
};

struct Session::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::unique_ptr<engine::Session> session;
  const std::atomic<bool>* cancel = nullptr;
  KvType kv_type = KvType::kF16;
  std::vector<Token> tokens;  // the tokens in the context, one per position (room reserved)
  bool logits_known = false;  // session->logits() holds the logits after tokens.back()
  engine::Sampler sampler;    // generate()'s, its buffers allocated with the session
  uint64_t budgeted = 0;      // the bytes reserved in the model's budget, given back at the end

  ~Impl() {
    if (budgeted > 0) model->budget->release(budgeted);
  }

  // Evaluates tokens at the end of the context, keeping tokens and logits_known in step; with
  // all_logits, every token's logits are written there too.
  Status append(const Token* batch, size_t n, float* all_logits = nullptr);
  Status append(const std::vector<Token>& batch) { return append(batch.data(), batch.size()); }
  bool cancelled() const { return cancel && cancel->load(std::memory_order_relaxed); }
};

namespace api {
GgmlType kv_ggml_type(KvType type);
// A session's context: `requested` tokens, or min(training context, 4096) for 0. Longer than the
// training context is refused unless allowed.
Result<uint32_t> session_context(const engine::HParams& hp, int requested,
                                 bool allow_beyond_training);
// Fills the chat family, chat_error and eog_tokens of a model whose tokenizer is loaded.
void describe_chat(const gguf::GgufFile& file, Model::Impl& impl);
}  // namespace api

}  // namespace shoptalk
