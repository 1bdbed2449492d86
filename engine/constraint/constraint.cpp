#include "engine/constraint/constraint.h"

#include <cstring>

#include "engine/constraint/gbnf.h"
#include "engine/constraint/json_schema.h"
#include "engine/constraint/regex.h"
#include "engine/constraint/runtime.h"
#include "formats/try.h"

namespace shoptalk::engine::constraint {

void mask_tokens(const uint32_t* words, size_t n_words, std::vector<int32_t>& out) {
  for (size_t w = 0; w < n_words; ++w)
    for (uint32_t bits = words[w]; bits; bits &= bits - 1)
      out.push_back(static_cast<int32_t>(w * 32 + static_cast<size_t>(__builtin_ctz(bits))));
}

Constraint::~Constraint() = default;

Result<std::shared_ptr<const Constraint>> Constraint::compile(
    Kind kind, std::string_view text, std::shared_ptr<const Vocabulary> vocab,
    const Options& options) {
  if (!vocab) return Error(ErrorCode::kInvalidArgument, "constraint: no vocabulary");
  GrammarBuilder b;
  std::string_view what;
  switch (kind) {
    case Kind::kGbnf:
      what = "grammar";
      ST_TRY(parse_gbnf(b, text));
      break;
    case Kind::kRegex: {
      what = "regex";
      if (text.empty()) return Error(ErrorCode::kInvalidArgument, "regex: the pattern is empty");
      ST_ASSIGN_OR_RETURN(ExprId e, compile_regex(b, text, Encoding::kUtf8, RegexMode::kFullMatch));
      const RuleId root = b.add_rule("root");
      b.define(root, e);
      break;
    }
    case Kind::kJsonSchema:
      what = "json schema";
      ST_TRY(compile_json_schema(b, text, options.json_max_indent));
      break;
  }
  return compile(b, what, std::move(vocab), options);
}

Result<std::shared_ptr<const Constraint>> Constraint::compile(
    const GrammarBuilder& builder, std::string_view what, std::shared_ptr<const Vocabulary> vocab,
    const Options& options) {
  if (!vocab) return Error(ErrorCode::kInvalidArgument, "constraint: no vocabulary");
  ST_ASSIGN_OR_RETURN(Grammar g, compile_grammar(builder, what));
  std::shared_ptr<Constraint> c(new Constraint());
  c->rt_ = std::make_unique<Runtime>(std::move(g), *vocab, options.cache_bytes);
  c->vocab_ = std::move(vocab);
  return std::shared_ptr<const Constraint>(std::move(c));
}

Matcher::Matcher(std::shared_ptr<const Constraint> constraint) : c_(std::move(constraint)) {
  reset();
}

void Matcher::reset() {
  Runtime& rt = *c_->rt_;
  std::lock_guard<std::mutex> lock(rt.mu);
  rt.trim();
  config_ = rt.initial();
  epoch_ = rt.epoch();
  rt.copy_stacks(config_, stacks_);
  accept_ = rt.accept(config_);
  has_stacks_ = rt.has_stacks(config_);
  finished_ = false;
}

// With the lock held: makes config_ valid in the current cache epoch.
void Matcher::sync() {
  Runtime& rt = *c_->rt_;
  rt.trim();
  if (epoch_ != rt.epoch()) {
    config_ = rt.intern(stacks_, accept_);
    epoch_ = rt.epoch();
  }
}

void Matcher::fill_mask(uint32_t* words) {
  const Vocabulary& v = c_->vocabulary();
  const size_t n = v.mask_words();
  Runtime& rt = *c_->rt_;
  // The copy is made outside the lock: matchers sharing the constraint wait for each other only
  // while a mask is looked up (or computed), not while one is copied.
  Runtime::Mask mask;
  {
    std::lock_guard<std::mutex> lock(rt.mu);
    sync();
    if (!finished_) mask = rt.mask(config_);
  }
  if (mask) {
    std::memcpy(words, mask->data(), n * sizeof(uint32_t));
  } else {
    std::memset(words, 0, n * sizeof(uint32_t));
  }
  if (accept_ && !finished_)
    for (int32_t t : v.eog()) words[static_cast<size_t>(t) >> 5] |= 1u << (t & 31);
}

Status Matcher::accept_token(int32_t token) {
  const Vocabulary& v = c_->vocabulary();
  if (finished_)
    return Error(ErrorCode::kInvalidArgument, "constraint: the output is already finished");
  if (v.is_eog(token)) {
    if (!accept_)
      return Error(ErrorCode::kInvalidArgument, "constraint: the output is not complete yet");
    finished_ = true;
    return {};
  }
  if (!v.is_text(token))
    return Error(ErrorCode::kInvalidArgument,
                 "constraint: token " + std::to_string(token) + " is not allowed");
  return accept_text(v.bytes(token));
}

Status Matcher::accept_text(std::string_view bytes) {
  if (finished_)
    return Error(ErrorCode::kInvalidArgument, "constraint: the output is already finished");
  Runtime& rt = *c_->rt_;
  std::lock_guard<std::mutex> lock(rt.mu);
  sync();
  int32_t cfg = config_;
  for (size_t i = 0; i < bytes.size(); ++i) {
    cfg = rt.next(cfg, static_cast<uint8_t>(bytes[i]));
    if (cfg < 0)
      return Error(ErrorCode::kInvalidArgument,
                   "constraint: the text does not match at byte " + std::to_string(i));
  }
  config_ = cfg;
  rt.copy_stacks(config_, stacks_);
  accept_ = rt.accept(config_);
  has_stacks_ = rt.has_stacks(config_);
  return {};
}

bool Matcher::allows_text(std::string_view bytes) {
  if (finished_) return bytes.empty();
  Runtime& rt = *c_->rt_;
  std::lock_guard<std::mutex> lock(rt.mu);
  sync();
  int32_t cfg = config_;
  for (size_t i = 0; i < bytes.size() && cfg >= 0; ++i)
    cfg = rt.next(cfg, static_cast<uint8_t>(bytes[i]));
  return cfg >= 0;
}

bool Matcher::can_end() const {
  return accept_ && !finished_;
}
bool Matcher::is_complete() const {
  return finished_ || (accept_ && !has_stacks_);
}

}  // namespace shoptalk::engine::constraint
