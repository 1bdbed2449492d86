// Guided generation: the parts a constrained answer goes through, and the token mask of each
// step (docs/api.md, "Constrained generation"):
//
//   [think block]  <think> free text </think> + separator   (chat with thinking on)
//   value          a constrained value (JSON Schema, GBNF, regex) ... or:
//   tool calls     free text, then <call-open> body <call-close> [separator <call-open> ...]
//
// The think block is free text (no end of generation inside it) and at most `think_budget`
// tokens long; then </think> is forced. A value ends the generation when it is complete (nothing
// may follow) or when the model ends it where it may end. Tool calls: in kAuto the model writes
// free text (ending its turn) or opens a call; kRequired forces the call; kNone bans it. A call's
// body follows the tool-calls constraint, then the close marker is forced; another call may
// follow when the format has a separator. Forced tokens are still sampled, from a mask of one.
//
// The mask buffer is made once per guide (per generation); stepping allocates nothing beyond the
// text it records, reserved up front.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/constraint/constraint.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

// The think block of a chat format: its tags and the tokens the template writes after </think>.
struct ThinkFormat {
  int32_t open = -1;  // <think>; -1: no think block
  int32_t close = -1;
  std::vector<int32_t> separator;  // "\n\n" (Qwen3)
  int budget = 0;                  // tokens between the tags at most
};

// How a chat format writes tool calls: marker tokens around a block whose body the tool-calls
// constraint describes, and the tokens between two blocks (empty: one block at most).
struct CallFormat {
  int32_t open = -1;
  int32_t close = -1;
  std::vector<int32_t> separator;
};

enum class ToolMode { kAuto, kRequired, kNone };

class Guide {
 public:
  // A constrained value, after the think block when `think.open` is set. `eog`: the tokens that
  // end the generation (banned in the think block); `max_bytes`: room to reserve for the text.
  static Guide value(std::shared_ptr<const constraint::Constraint> value, const ThinkFormat& think,
                     const std::vector<int32_t>& eog, size_t max_bytes);
  // Tool calls (`calls` may be null with kNone).
  static Guide tools(std::shared_ptr<const constraint::Constraint> calls, ToolMode mode,
                     const CallFormat& format, const ThinkFormat& think,
                     const std::vector<int32_t>& eog, int32_t n_vocab, size_t max_bytes);

  // The mask of the next token into the guide's buffer: nullptr when every token is allowed.
  const uint32_t* mask();
  // Advances by the sampled token (one the mask allowed).
  Status accept(int32_t token);

  // Nothing more may be generated: the generation stops here.
  bool finished() const { return phase_ == Phase::kDone; }
  // The next token is free text, where stop strings and stop tokens apply.
  bool free_text() const { return phase_ == Phase::kThinking || phase_ == Phase::kFreeText; }
  // The output so far holds no half-written value or call (an end here loses nothing).
  bool complete() const;
  // Whether the token is a call marker (rendered as text in the answer even when a control token).
  bool is_marker(int32_t token) const {
    return token >= 0 && (token == call_.open || token == call_.close);
  }

  // The text of the value, as generated (empty before it starts).
  const std::string& value_text() const { return value_text_; }
  // The bodies of the finished calls, each as generated (between the markers).
  const std::vector<std::string>& call_bodies() const { return bodies_; }

 private:
  enum class Phase {
    kForced,     // forced_ tokens, then next_
    kThinking,   // free text inside the think block
    kValue,      // the constrained value
    kFreeText,   // free text that may open a call (tools)
    kCallBody,   // inside a call block
    kAfterCall,  // a call block closed: end, or the separator and another call
    kAnswer,     // (as next_ only) what follows the think block
    kDone,
  };

  Guide(const ThinkFormat& think, const std::vector<int32_t>& eog, int32_t n_vocab);
  // The think block when there is one, else the answer.
  void begin();
  void force(std::vector<int32_t> tokens, Phase next);
  void enter(Phase phase);
  // A call's body is complete: force the close marker; the call counts once it is written.
  void close_call();
  const uint32_t* single(int32_t token);
  // Every token but `banned` (-1: none) and, when `eog` is false, the end-of-generation ones.
  const uint32_t* all_but(int32_t banned, bool eog);
  bool is_eog(int32_t token) const;

  ThinkFormat think_;
  CallFormat call_;
  ToolMode mode_ = ToolMode::kAuto;
  std::vector<int32_t> eog_;
  int32_t n_vocab_ = 0;
  std::shared_ptr<const constraint::Constraint> value_c_;
  std::shared_ptr<const constraint::Constraint> calls_c_;
  std::unique_ptr<constraint::Matcher> matcher_;
  bool tools_ = false;

  Phase phase_ = Phase::kDone;
  Phase next_ = Phase::kDone;
  std::vector<int32_t> forced_;
  size_t forced_at_ = 0;
  bool closing_ = false;  // the forced token closes a call
  int thought_ = 0;       // tokens in the think block so far

  std::vector<uint32_t> mask_;
  std::string value_text_;
  std::string body_;
  std::vector<std::string> bodies_;
};

}  // namespace shoptalk::engine
