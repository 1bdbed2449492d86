// Session::generate and Session::chat: sampling, streaming with stop strings and stop tokens,
// confidence, statistics, and the chat prefix reuse across turns.
#include <algorithm>
#include <chrono>
#include <functional>

#include "engine/api/guard.h"
#include "engine/api/impl.h"
#include "engine/api/stop_text.h"
#include "engine/chat/tools.h"
#include "engine/sampling/guide.h"
#include "engine/sampling/logprobs.h"
#include "engine/sampling/sampler.h"
#include "formats/try.h"

namespace shoptalk {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

engine::SamplerParams sampler_params(const SamplingOptions& s, uint64_t seed) {
  engine::SamplerParams p;
  p.temperature = s.temperature;
  p.top_k = s.top_k;
  p.top_p = s.top_p;
  p.min_p = s.min_p;
  p.repeat_penalty = s.repeat_penalty;
  p.presence_penalty = s.presence_penalty;
  p.frequency_penalty = s.frequency_penalty;
  p.penalty_last_n = s.penalty_last_n;
  p.logit_bias = s.logit_bias;
  p.seed = seed;
  return p;
}

uint64_t choose_seed(uint64_t requested) {
  if (requested != SamplingOptions::kRandomSeed) return requested;
  // splitmix64 of the clock: a fresh seed per call, reported in Generation::seed.
  uint64_t z = static_cast<uint64_t>(Clock::now().time_since_epoch().count()) + 0x9e3779b97f4a7c15u;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

// Leaves out chat()'s oldest turn: the first message after the leading system messages and the
// ones up to the next user message. Returns how many messages it removed; 0 when no user
// message follows (the latest question is never left out).
int drop_oldest_turn(std::vector<ChatMessage>& messages) {
  const auto first = std::find_if(messages.begin(), messages.end(),
                                  [](const ChatMessage& m) { return m.role != "system"; });
  if (first == messages.end()) return 0;
  const auto next_user = std::find_if(first + 1, messages.end(),
                                      [](const ChatMessage& m) { return m.role == "user"; });
  if (next_user == messages.end()) return 0;
  const int n = static_cast<int>(next_user - first);
  messages.erase(first, next_user);
  return n;
}

// Makes the context hold `ids`, evaluating only what follows the longest prefix it already
// shares with them, and returns that prefix's length. At least the last token is evaluated again
// unless the context already ends exactly there with its logits known.
Result<size_t> set_context(Session::Impl& s, const std::vector<Token>& ids) {
  std::vector<Token>& have = s.tokens;
  size_t common = static_cast<size_t>(
      std::mismatch(have.begin(), have.end(), ids.begin(), ids.end()).first - have.begin());
  const bool ready = common == ids.size() && common == have.size() && s.logits_known;
  if (common == ids.size() && !ready) --common;
  if (common < have.size()) {
    s.session->truncate(static_cast<int64_t>(common));
    have.resize(common);
    s.logits_known = false;
  }
  ST_TRY(s.append(ids.data() + common, ids.size() - common));
  return common;
}

Confidence summarize(const std::vector<GeneratedToken>& tokens) {
  Confidence c;
  if (tokens.empty()) return c;
  double logprob = 0.0, entropy = 0.0;
  c.min_logprob = tokens.front().logprob;
  for (const GeneratedToken& t : tokens) {
    logprob += t.logprob;
    entropy += t.entropy;
    c.min_logprob = std::min(c.min_logprob, t.logprob);
  }
  c.mean_logprob = static_cast<float>(logprob / static_cast<double>(tokens.size()));
  c.mean_entropy = static_cast<float>(entropy / static_cast<double>(tokens.size()));
  return c;
}

Error invalid(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, message);
}

// The constraint `compiled` for the session's model, from the cache when `key` is the same.
Result<std::shared_ptr<const engine::constraint::Constraint>> cached(
    CachedConstraint& cache, std::string key,
    const std::function<Result<std::shared_ptr<const engine::constraint::Constraint>>()>& compile) {
  if (!cache.compiled || cache.key != key) {
    cache.compiled.reset();
    ST_ASSIGN_OR_RETURN(cache.compiled, compile());
    cache.key = std::move(key);
  }
  return cache.compiled;
}

// The think block a chat answer starts with: Qwen3 and SmolLM3 with thinking on, when the
// vocabulary has the tags.
engine::ThinkFormat think_format(const Model::Impl& m, const GenerateOptions& o, bool chat) {
  engine::ThinkFormat think;
  if (!chat || !o.enable_thinking || !m.chat_family) return think;
  const engine::ChatFamily family = *m.chat_family;
  if (family != engine::ChatFamily::kQwen3 && family != engine::ChatFamily::kSmolLM3) return think;
  const std::optional<int32_t> open = m.tokenizer->find_token("<think>");
  const std::optional<int32_t> close = m.tokenizer->find_token("</think>");
  if (!open || !close) return think;
  think.open = *open;
  think.close = *close;
  // What the template writes between </think> and the answer.
  think.separator =
      m.tokenizer->tokenize(family == engine::ChatFamily::kQwen3 ? "\n\n" : "\n", false, false);
  think.budget = o.thinking_budget > 0 ? o.thinking_budget : std::max(o.max_tokens / 2, 1);
  return think;
}

Result<std::optional<engine::Guide>> tool_guide(Session::Impl& s, const GenerateOptions& o,
                                                const engine::ThinkFormat& think,
                                                size_t max_bytes) {
  const Model::Impl& m = *s.model;
  const engine::ChatFamily family = *m.chat_family;
  const engine::ToolCallSyntax* syntax = engine::tool_call_syntax(family);
  if (!syntax)
    return Error(ErrorCode::kUnsupported, std::string("the ") + engine::chat_family_name(family) +
                                              " chat format has no tool calls");
  const std::optional<int32_t> open = m.tokenizer->find_token(syntax->open);
  const std::optional<int32_t> close = m.tokenizer->find_token(syntax->close);
  if (!open || !close)
    return Error(ErrorCode::kUnsupported, "tool calls need the " + std::string(syntax->open) +
                                              " and " + std::string(syntax->close) +
                                              " tokens, which the vocabulary does not have");
  std::vector<engine::ToolSpec> tools;
  std::string key = o.tool_name;
  for (const Tool& t : o.tools) {
    tools.push_back({t.name, t.description, t.parameters});
    key.append(1, '\0').append(t.name).append(1, '\0').append(t.parameters);
  }
  ST_ASSIGN_OR_RETURN(auto calls, cached(s.tool_calls, std::move(key), [&] {
                        return engine::compile_tool_calls(family, tools, o.tool_name,
                                                          api::constraint_vocabulary(m));
                      }));
  engine::CallFormat format;
  format.open = *open;
  format.close = *close;
  format.separator = m.tokenizer->tokenize(syntax->separator, false, false);
  const engine::ToolMode mode = o.tool_choice == ToolChoice::kRequired ? engine::ToolMode::kRequired
                                : o.tool_choice == ToolChoice::kNone   ? engine::ToolMode::kNone
                                                                       : engine::ToolMode::kAuto;
  return std::optional<engine::Guide>(engine::Guide::tools(
      std::move(calls), mode, format, think, m.info.eog_tokens, m.tokenizer->n_vocab(), max_bytes));
}

// What steers the generation's tokens: a constraint or tools (none: free generation).
Result<std::optional<engine::Guide>> make_guide(Session::Impl& s, const GenerateOptions& o,
                                                bool chat) {
  const Model::Impl& m = *s.model;
  const int sources = (o.constraint ? 1 : 0) + (o.json_schema.empty() ? 0 : 1) +
                      (o.grammar.empty() ? 0 : 1) + (o.regex.empty() ? 0 : 1);
  if (sources > 1) return invalid("give one constraint: constraint, json_schema, grammar or regex");
  if (!o.tools.empty() && sources > 0) return invalid("tools cannot be combined with a constraint");
  if (!o.tools.empty() && !chat) return invalid("tools need chat()");
  if (o.tools.empty() && (o.tool_choice != ToolChoice::kAuto || !o.tool_name.empty()))
    return invalid("tool_choice and tool_name need tools");
  if (!o.tool_name.empty() && o.tool_choice != ToolChoice::kRequired)
    return invalid("tool_name needs ToolChoice::kRequired");
  if (o.thinking_budget < 0) return invalid("thinking_budget must not be negative");
  if (sources == 0 && o.tools.empty()) return std::optional<engine::Guide>();

  const engine::ThinkFormat think = think_format(m, o, chat);
  const size_t max_bytes = static_cast<size_t>(std::max(o.max_tokens, 0)) * 8;
  if (!o.tools.empty()) return tool_guide(s, o, think, max_bytes);

  std::shared_ptr<const engine::constraint::Constraint> value;
  if (o.constraint) {
    value = ConstraintAccess::impl(*o.constraint).compiled;
    if (&value->vocabulary() != api::constraint_vocabulary(m).get())
      return invalid("the constraint was compiled for another model");
  } else {
    const ConstraintKind kind = !o.json_schema.empty() ? ConstraintKind::kJsonSchema
                                : !o.grammar.empty()   ? ConstraintKind::kGrammar
                                                       : ConstraintKind::kRegex;
    const std::string& text = !o.json_schema.empty() ? o.json_schema
                              : !o.grammar.empty()   ? o.grammar
                                                     : o.regex;
    ST_ASSIGN_OR_RETURN(
        value,
        cached(s.inline_constraint, std::string(constraint_kind_name(kind)) + '\0' + text, [&] {
          return engine::constraint::Constraint::compile(api::engine_kind(kind), text,
                                                         api::constraint_vocabulary(m));
        }));
  }
  return std::optional<engine::Guide>(
      engine::Guide::value(std::move(value), think, m.info.eog_tokens, max_bytes));
}

// Makes room when the answer fills the context: rebuilds the context, ending with `generated`
// (the tokens sampled and evaluated so far), and returns how many chat messages it left out to
// do so; 0 when it could not make room.
using MakeRoom = std::function<Result<int>(const std::vector<Token>& generated)>;

// One generate call: the stream of pieces to the caller and what it has produced so far. Every
// buffer a token needs is made before the first one (the session's sampler, the piece and stop
// string buffers, room for the longest possible output), so the loop allocates nothing, unless
// top_logprobs asks for a list per token or a chat makes room by leaving turns out.
class Run {
 public:
  Run(Session::Impl& s, const GenerateOptions& o, const PieceCallback& on_piece,
      Clock::time_point start, GenerationStats stats, MakeRoom make_room = {})
      : s_(s),
        o_(o),
        on_piece_(on_piece),
        start_(start),
        stop_text_(o.stop_strings, s.model->tokenizer->max_piece_bytes()),
        decoder_(*s.model->tokenizer),
        make_room_(std::move(make_room)) {
    out_.stats = stats;
  }
  void set_guide(std::optional<engine::Guide> guide) { guide_ = std::move(guide); }

  Result<Generation> run();

 private:
  void emit(std::string_view text) {
    if (text.empty() || callback_stopped_) return;
    out_.text.append(text);
    if (on_piece_ && !on_piece_(text)) callback_stopped_ = true;
  }
  bool is_stop_token(Token t) const {
    return std::find(o_.stop_tokens.begin(), o_.stop_tokens.end(), t) != o_.stop_tokens.end();
  }
  void record(Token token) {
    const engine::Logits logits = s_.session->logits();
    const engine::StepProbabilities p = engine::step_probabilities(
        logits.data, static_cast<int32_t>(logits.n_vocab), token, o_.top_logprobs);
    GeneratedToken g{token, p.logprob, p.entropy, {}};
    g.top.reserve(p.top.size());
    for (const auto& [id, logprob] : p.top) g.top.push_back({id, logprob});
    out_.tokens.push_back(std::move(g));
  }
  // Makes room for the most tokens and text this call can produce.
  void reserve_output();
  // Samples and streams tokens until a stop; the last sampled token is not evaluated.
  Status loop();
  // Whether the context has room for one more token, after making room if the caller can.
  Result<bool> has_room();

  Session::Impl& s_;
  const GenerateOptions& o_;
  const PieceCallback& on_piece_;
  Clock::time_point start_;
  Clock::time_point decode_start_;
  api::StopText stop_text_;
  engine::StreamDecoder decoder_;
  std::string piece_;
  MakeRoom make_room_;
  std::optional<engine::Guide> guide_;
  Generation out_;
  bool callback_stopped_ = false;
};

Result<bool> Run::has_room() {
  if (s_.tokens.size() < s_.session->n_ctx()) return true;
  if (!make_room_) return false;
  std::vector<Token> generated;
  for (size_t i = 0; i + 1 < out_.tokens.size(); ++i) generated.push_back(out_.tokens[i].token);
  ST_ASSIGN_OR_RETURN(const int dropped, make_room_(generated));
  out_.stats.dropped_messages += dropped;
  return dropped > 0;
}

void Run::reserve_output() {
  // A token is sampled for each free position and one more (returned, not evaluated); a chat
  // that leaves turns out to make room keeps its whole answer in the context.
  const size_t n_ctx = s_.session->n_ctx();
  const size_t room = make_room_ ? n_ctx + 1 : n_ctx - s_.tokens.size() + 1;
  const size_t n = std::min(static_cast<size_t>(o_.max_tokens), room);
  const size_t piece = s_.model->tokenizer->max_piece_bytes();
  out_.tokens.reserve(n);
  // Each token's piece, and U+FFFD (3 bytes) for each of the at most 3 bytes left unfinished.
  out_.text.reserve(n * piece + 9);
  piece_.reserve(piece + 9);
}

Status Run::loop() {
  const Model::Impl& m = *s_.model;
  for (int i = 0; i < o_.max_tokens; ++i) {
    if (s_.cancelled()) {
      out_.stop_reason = StopReason::kCancelled;
      return {};
    }
    const Token token =
        s_.sampler.sample(s_.session->logits().data, guide_ ? guide_->mask() : nullptr);
    if (token < 0) return Error(ErrorCode::kInternal, "the constraint allows no token");
    record(token);
    if (i == 0) {
      out_.stats.time_to_first_token = seconds_since(start_);
      decode_start_ = Clock::now();
    }
    // Stop strings and stop tokens apply to free text only.
    const bool free_text = !guide_ || guide_->free_text();
    if (guide_) ST_TRY(guide_->accept(token));
    const std::vector<Token>& eog = m.info.eog_tokens;
    if (std::binary_search(eog.begin(), eog.end(), token)) {
      out_.stop_reason = StopReason::kEndOfGeneration;
      return {};
    }
    if (free_text && is_stop_token(token)) {
      out_.stop_reason = StopReason::kStopToken;
      return {};
    }
    piece_.clear();
    ST_TRY(decoder_.push(token, piece_));
    if (guide_ && guide_->is_marker(token) && piece_.empty()) {
      // A call marker that is a control token still shows in the text, as the model wrote it.
      decoder_.flush(piece_);
      ST_ASSIGN_OR_RETURN(const std::string marker, m.tokenizer->token_to_piece(token, true));
      piece_ += marker;
    }
    if (free_text) {
      emit(stop_text_.push(piece_));
    } else {
      emit(stop_text_.flush());
      emit(piece_);
    }
    if (stop_text_.matched()) {
      out_.stop_reason = StopReason::kStopString;
      return {};
    }
    if (callback_stopped_) {
      out_.stop_reason = StopReason::kCallback;
      return {};
    }
    if (guide_ && guide_->finished()) {
      out_.stop_reason = StopReason::kEndOfGeneration;
      return {};
    }
    if (i + 1 == o_.max_tokens) break;
    // Cancelled while making room or evaluating the token: the token stays out of the context,
    // like the last token of any generation, and what was generated is kept.
    Result<bool> room = has_room();
    if (room && !*room) {
      out_.stop_reason = StopReason::kContextFull;
      return {};
    }
    const Status st = room ? s_.append(&token, 1) : Status(room.error());
    if (!st) {
      if (st.error().code() != ErrorCode::kCancelled) return st;
      out_.stop_reason = StopReason::kCancelled;
      return {};
    }
    s_.sampler.accept(token);
  }
  out_.stop_reason =
      guide_ && !guide_->complete() ? StopReason::kIncompleteValue : StopReason::kMaxTokens;
  return {};
}

Result<Generation> Run::run() {
  const Model::Impl& m = *s_.model;
  if (o_.max_tokens < 0 || o_.top_logprobs < 0)
    return Error(ErrorCode::kInvalidArgument, "max_tokens and top_logprobs must not be negative");
  if (!s_.logits_known)
    return Error(ErrorCode::kInvalidArgument,
                 "nothing to generate from: the context is empty or was truncated; prompt first");
  for (Token t : o_.stop_tokens)
    if (!m.tokenizer->is_valid(t))
      return Error(ErrorCode::kInvalidArgument,
                   "stop token " + std::to_string(t) + " is outside the vocabulary");
  out_.seed = choose_seed(o_.sampling.seed);
  ST_TRY(s_.sampler.start(sampler_params(o_.sampling, out_.seed)));
  const size_t window = static_cast<size_t>(std::max(o_.sampling.penalty_last_n, 0));
  for (size_t i = s_.tokens.size() - std::min(window, s_.tokens.size()); i < s_.tokens.size(); ++i)
    s_.sampler.accept(s_.tokens[i]);
  reserve_output();

  decode_start_ = Clock::now();
  ST_TRY(loop());
  if (!stop_text_.matched() && !callback_stopped_) {
    piece_.clear();
    decoder_.flush(piece_);
    emit(stop_text_.push(piece_));
    if (stop_text_.matched())
      out_.stop_reason = StopReason::kStopString;
    else
      emit(stop_text_.flush());
  }
  if (guide_) {
    out_.value = guide_->value_text();
    for (const std::string& body : guide_->call_bodies())
      for (engine::ToolCall& call : engine::parse_call_body(body))
        out_.tool_calls.push_back({std::move(call.name), std::move(call.arguments)});
  }
  out_.stats.generated_tokens = static_cast<int>(out_.tokens.size());
  out_.stats.decode_seconds = out_.tokens.empty() ? 0.0 : seconds_since(decode_start_);
  out_.confidence = summarize(out_.tokens);
  return std::move(out_);
}

}  // namespace

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kEndOfGeneration:
      return "end_of_generation";
    case StopReason::kStopToken:
      return "stop_token";
    case StopReason::kStopString:
      return "stop_string";
    case StopReason::kMaxTokens:
      return "max_tokens";
    case StopReason::kCallback:
      return "callback";
    case StopReason::kContextFull:
      return "context_full";
    case StopReason::kCancelled:
      return "cancelled";
    case StopReason::kIncompleteValue:
      return "incomplete_value";
  }
  return "unknown";
}

Result<Generation> Session::generate(const GenerateOptions& options,
                                     const PieceCallback& on_piece) {
  return api::guarded([&]() -> Result<Generation> {
    const Clock::time_point start = Clock::now();
    ST_ASSIGN_OR_RETURN(std::optional<engine::Guide> guide, make_guide(*impl_, options, false));
    Run run(*impl_, options, on_piece, start, {});
    run.set_guide(std::move(guide));
    return run.run();
  });
}

Result<Generation> Session::generate(std::string_view prompt_text, const GenerateOptions& options,
                                     const PieceCallback& on_piece) {
  return api::guarded([&]() -> Result<Generation> {
    const Clock::time_point start = Clock::now();
    ST_ASSIGN_OR_RETURN(std::optional<engine::Guide> guide, make_guide(*impl_, options, false));
    const std::vector<Token> ids =
        impl_->model->tokenizer->tokenize(prompt_text, impl_->tokens.empty(), true);
    ST_TRY(impl_->append(ids));
    GenerationStats stats;
    stats.prompt_tokens = static_cast<int>(ids.size());
    stats.prompt_seconds = seconds_since(start);
    Run run(*impl_, options, on_piece, start, stats);
    run.set_guide(std::move(guide));
    return run.run();
  });
}

Result<Generation> Session::chat(const std::vector<ChatMessage>& messages,
                                 const GenerateOptions& options, const PieceCallback& on_piece) {
  return api::guarded([&]() -> Result<Generation> {
    const Clock::time_point start = Clock::now();
    if (messages.empty()) return Error(ErrorCode::kInvalidArgument, "chat needs a message");
    ChatOptions chat;
    chat.enable_thinking = options.enable_thinking;
    chat.tools = options.tools;
    const Model model(impl_->model);
    std::vector<ChatMessage> kept = messages;
    auto render = [&]() -> Result<std::vector<Token>> {
      ST_ASSIGN_OR_RETURN(const std::string text, model.chat_prompt(kept, chat));
      return impl_->model->tokenizer->tokenize(text, true, true);
    };
    ST_ASSIGN_OR_RETURN(std::vector<Token> ids, render());
    if (ids.empty()) return Error(ErrorCode::kInvalidArgument, "the chat prompt is empty");
    ST_ASSIGN_OR_RETURN(std::optional<engine::Guide> guide, make_guide(*impl_, options, true));

    // With kDropOldestTurns, the oldest turns give way until the prompt leaves room for `answer`
    // more tokens (at most half the context, at least the one being evaluated) after `extra`.
    const bool drop = options.on_context_full == ContextFull::kDropOldestTurns;
    const size_t n_ctx = impl_->session->n_ctx();
    auto fit = [&](const std::vector<Token>& extra, int answer) -> Result<int> {
      const size_t room =
          std::min(static_cast<size_t>(std::max(answer, 1)), std::max<size_t>(n_ctx / 2, 1));
      int dropped = 0;
      while (ids.size() + extra.size() + room > n_ctx) {
        const int n = drop_oldest_turn(kept);
        if (n == 0) break;
        dropped += n;
        ST_ASSIGN_OR_RETURN(ids, render());
      }
      return dropped;
    };
    GenerationStats stats;
    if (drop) {
      ST_ASSIGN_OR_RETURN(stats.dropped_messages, fit({}, options.max_tokens));
    }
    ST_ASSIGN_OR_RETURN(const size_t common, set_context(*impl_, ids));
    stats.reused_tokens = static_cast<int>(common);
    stats.prompt_tokens = static_cast<int>(ids.size() - common);
    stats.prompt_seconds = seconds_since(start);
    MakeRoom make_room;
    if (drop) {
      make_room = [&](const std::vector<Token>& generated) -> Result<int> {
        ST_ASSIGN_OR_RETURN(
            const int dropped,
            fit(generated, options.max_tokens - static_cast<int>(generated.size())));
        if (dropped == 0) return 0;
        std::vector<Token> rebuilt = ids;
        rebuilt.insert(rebuilt.end(), generated.begin(), generated.end());
        if (rebuilt.size() >= n_ctx) return 0;
        ST_TRY(set_context(*impl_, rebuilt));
        return dropped;
      };
    }
    Run run(*impl_, options, on_piece, start, stats, std::move(make_room));
    run.set_guide(std::move(guide));
    return run.run();
  });
}

}  // namespace shoptalk
