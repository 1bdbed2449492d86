// What the public Model and Session handles hold (engine/api only).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/api/budget.h"
#include "engine/chat/chat_template.h"
#include "engine/constraint/constraint.h"
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
  // The token bytes and trie constrained generation needs, built on first use (~0.2 s for a
  // 152k-token vocabulary); see api::constraint_vocabulary.
  struct LazyVocabulary {
    std::once_flag once;
    std::shared_ptr<const engine::constraint::Vocabulary> vocab;
  };
  std::shared_ptr<LazyVocabulary> constraint_vocab = std::make_shared<LazyVocabulary>();
};

struct Constraint::Impl {
  ConstraintKind kind = ConstraintKind::kJsonSchema;
  std::shared_ptr<const engine::constraint::Constraint> compiled;
};

struct ConstraintAccess {
  static const Constraint::Impl& impl(const Constraint& c) { return *c.impl_; }
};

// A compiled constraint and what it was compiled from.
struct CachedConstraint {
  std::string key;
  std::shared_ptr<const engine::constraint::Constraint> compiled;
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
  // The last inline constraint (GenerateOptions::json_schema, grammar, regex) and the last tool
  // calls constraint compiled, reused while a generation asks for the same again.
  CachedConstraint inline_constraint;
  CachedConstraint tool_calls;

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
// The model's vocabulary for constraints, built on the first call (thread-safe).
std::shared_ptr<const engine::constraint::Vocabulary> constraint_vocabulary(const Model::Impl& m);
engine::constraint::Kind engine_kind(ConstraintKind kind);
}  // namespace api

}  // namespace shoptalk
