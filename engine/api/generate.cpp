// Session::generate and Session::chat: sampling, streaming with stop strings and stop tokens,
// confidence, statistics, and the chat prefix reuse across turns.
#include <algorithm>
#include <chrono>

#include "engine/api/impl.h"
#include "engine/api/stop_text.h"
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

// One generate call: the stream of pieces to the caller and what it has produced so far.
class Run {
 public:
  Run(Session::Impl& s, const GenerateOptions& o, const PieceCallback& on_piece,
      Clock::time_point start, GenerationStats stats)
      : s_(s), o_(o), on_piece_(on_piece), start_(start), stop_text_(o.stop_strings) {
    out_.stats = stats;
  }

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
    const engine::StepProbabilities p = engine::step_probabilities(
        s_.last_logits.data(), static_cast<int32_t>(s_.last_logits.size()), token, o_.top_logprobs);
    GeneratedToken g{token, p.logprob, p.entropy, {}};
    for (const auto& [id, logprob] : p.top) g.top.push_back({id, logprob});
    out_.tokens.push_back(std::move(g));
  }
  // Samples and streams tokens until a stop; the last sampled token is not evaluated.
  Status loop(engine::Sampler& sampler, engine::StreamDecoder& decoder);

  Session::Impl& s_;
  const GenerateOptions& o_;
  const PieceCallback& on_piece_;
  Clock::time_point start_;
  Clock::time_point decode_start_;
  api::StopText stop_text_;
  Generation out_;
  bool callback_stopped_ = false;
};

Status Run::loop(engine::Sampler& sampler, engine::StreamDecoder& decoder) {
  const Model::Impl& m = *s_.model;
  for (int i = 0; i < o_.max_tokens; ++i) {
    if (s_.cancelled()) return Error(ErrorCode::kCancelled, "generation cancelled");
    const Token token = sampler.sample(s_.last_logits.data());
    record(token);
    if (i == 0) {
      out_.stats.time_to_first_token = seconds_since(start_);
      decode_start_ = Clock::now();
    }
    const std::vector<Token>& eog = m.info.eog_tokens;
    if (std::binary_search(eog.begin(), eog.end(), token)) {
      out_.stop_reason = StopReason::kEndOfGeneration;
      return {};
    }
    if (is_stop_token(token)) {
      out_.stop_reason = StopReason::kStopToken;
      return {};
    }
    ST_ASSIGN_OR_RETURN(const std::string piece, decoder.push(token));
    emit(stop_text_.push(piece));
    if (stop_text_.matched()) {
      out_.stop_reason = StopReason::kStopString;
      return {};
    }
    if (callback_stopped_) {
      out_.stop_reason = StopReason::kCallback;
      return {};
    }
    if (i + 1 == o_.max_tokens) break;
    if (s_.tokens.size() >= s_.session->n_ctx()) {
      out_.stop_reason = StopReason::kContextFull;
      return {};
    }
    ST_TRY(s_.append({token}));
    sampler.accept(token);
  }
  out_.stop_reason = StopReason::kMaxTokens;
  return {};
}

Result<Generation> Run::run() {
  const Model::Impl& m = *s_.model;
  if (o_.max_tokens < 0 || o_.top_logprobs < 0)
    return Error(ErrorCode::kInvalidArgument, "max_tokens and top_logprobs must not be negative");
  if (s_.last_logits.empty())
    return Error(ErrorCode::kInvalidArgument,
                 "nothing to generate from: the context is empty or was truncated; prompt first");
  for (Token t : o_.stop_tokens)
    if (!m.tokenizer->is_valid(t))
      return Error(ErrorCode::kInvalidArgument,
                   "stop token " + std::to_string(t) + " is outside the vocabulary");
  out_.seed = choose_seed(o_.sampling.seed);
  ST_ASSIGN_OR_RETURN(
      engine::Sampler sampler,
      engine::Sampler::create(sampler_params(o_.sampling, out_.seed), m.tokenizer->n_vocab()));
  const size_t window = static_cast<size_t>(std::max(o_.sampling.penalty_last_n, 0));
  for (size_t i = s_.tokens.size() - std::min(window, s_.tokens.size()); i < s_.tokens.size(); ++i)
    sampler.accept(s_.tokens[i]);

  engine::StreamDecoder decoder(*m.tokenizer);
  decode_start_ = Clock::now();
  ST_TRY(loop(sampler, decoder));
  if (!stop_text_.matched() && !callback_stopped_) {
    emit(stop_text_.push(decoder.flush()));
    if (stop_text_.matched())
      out_.stop_reason = StopReason::kStopString;
    else
      emit(stop_text_.flush());
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
  }
  return "unknown";
}

Result<Generation> Session::generate(const GenerateOptions& options,
                                     const PieceCallback& on_piece) {
  return Run(*impl_, options, on_piece, Clock::now(), {}).run();
}

Result<Generation> Session::generate(std::string_view prompt_text, const GenerateOptions& options,
                                     const PieceCallback& on_piece) {
  const Clock::time_point start = Clock::now();
  const std::vector<Token> ids =
      impl_->model->tokenizer->tokenize(prompt_text, impl_->tokens.empty(), true);
  ST_TRY(impl_->append(ids));
  GenerationStats stats;
  stats.prompt_tokens = static_cast<int>(ids.size());
  stats.prompt_seconds = seconds_since(start);
  return Run(*impl_, options, on_piece, start, stats).run();
}

Result<Generation> Session::chat(const std::vector<ChatMessage>& messages,
                                 const GenerateOptions& options, const PieceCallback& on_piece) {
  const Clock::time_point start = Clock::now();
  if (messages.empty()) return Error(ErrorCode::kInvalidArgument, "chat needs a message");
  ChatOptions chat;
  chat.enable_thinking = options.enable_thinking;
  ST_ASSIGN_OR_RETURN(const std::string text, Model(impl_->model).chat_prompt(messages, chat));
  const std::vector<Token> ids = impl_->model->tokenizer->tokenize(text, true, true);
  if (ids.empty()) return Error(ErrorCode::kInvalidArgument, "the chat prompt is empty");
  std::vector<Token>& have = impl_->tokens;
  // The longest shared prefix is kept; at least the last token is evaluated again unless the
  // context already ends exactly there with its logits known.
  size_t common = static_cast<size_t>(
      std::mismatch(have.begin(), have.end(), ids.begin(), ids.end()).first - have.begin());
  const bool ready = common == ids.size() && common == have.size() && !impl_->last_logits.empty();
  if (common == ids.size() && !ready) --common;
  ST_TRY(truncate(static_cast<int>(common)));
  ST_TRY(impl_->append(
      std::vector<Token>(ids.begin() + static_cast<std::ptrdiff_t>(common), ids.end())));
  GenerationStats stats;
  stats.reused_tokens = static_cast<int>(common);
  stats.prompt_tokens = static_cast<int>(ids.size() - common);
  stats.prompt_seconds = seconds_since(start);
  return Run(*impl_, options, on_piece, start, stats).run();
}

}  // namespace shoptalk
