// shoptalk: quantized transformer inference for edge devices — the public C++ API.
//
// Load a GGUF model once (Model, immutable, shareable between threads), then hold any number of
// conversations on it (Session: KV cache, position, token history). No exceptions cross this API:
// every fallible call returns a Result holding either its value or an Error with a code and a
// message. docs/api.md has an example for every feature.
//
//   auto model = shoptalk::Model::load("qwen3-0.6b-q4_k_m.gguf");
//   if (!model) { log(model.error().message()); return; }
//   auto session = shoptalk::Session::create(*model);
//   std::vector<shoptalk::ChatMessage> chat = {{"user", "Motor current 8.5 A, belt speed 30 %"}};
//   auto answer = session->chat(chat, {}, [](std::string_view piece) {
//     uart_write(piece.data(), piece.size());
//     return true;  // false stops the generation
//   });
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk {

using Token = int32_t;

// Storage type of the KV cache: F16 (default), Q8_0 (about half the bytes) or Q4_0.
enum class KvType { kF16, kQ8_0, kQ4_0 };
const char* kv_type_name(KvType type);                    // "f16", "q8_0", "q4_0"
Result<KvType> kv_type_from_name(std::string_view name);  // the same spellings

struct ModelOptions {
  int threads = 0;  // threads each session computes with; 0 = every core
  int context = 0;  // default session context; 0 = min(training context, 4096)
  // A context longer than the model's training context (info().context_train) is refused with
  // kInvalidArgument unless this is set: past it the model's quality is unknown. Applies to the
  // default context and to every session on the model.
  bool allow_context_beyond_training = false;
  KvType kv_type = KvType::kF16;  // default session KV cache type
  bool vocab_only = false;        // load the tokenizer only (no tensors are read)
  // Bytes for the model and every session created from it (0 = none): a load whose memory plan
  // exceeds it, and a session that would take the total past it, are refused (kBudgetExceeded).
  uint64_t memory_budget = 0;
};

// Bytes a model needs, by category, for one session of the given context.
struct MemoryPlan {
  uint64_t weights = 0;   // resident weight bytes (mapped file or packed copies)
  uint64_t kv_cache = 0;  // one session's KV cache
  uint64_t scratch = 0;   // one session's activations and buffers
  uint64_t total() const { return weights + kv_cache + scratch; }
};

// A tool the model may call (chat with tools: Qwen3, Phi-4-mini).
struct Tool {
  std::string name;  // letters, digits, '_', '-', '.'; unique among the tools
  std::string description;
  std::string parameters;  // JSON Schema of the arguments (docs/constraints.md lists the keywords)
};

// One call of a tool: its name and its arguments as JSON text.
struct ToolCall {
  std::string name;
  std::string arguments;
};

// One chat message; role is "system", "user", "assistant" or "tool" (a tool's result, with tools).
struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string role_, std::string content_, std::vector<ToolCall> tool_calls_ = {})
      : role(std::move(role_)), content(std::move(content_)), tool_calls(std::move(tool_calls_)) {}

  std::string role;
  std::string content;
  // An assistant message's tool calls, rendered after its content as the model writes them.
  std::vector<ToolCall> tool_calls;
};

struct ChatOptions {
  bool add_generation_prompt = true;  // end with the assistant's turn opening
  bool enable_thinking = true;        // Qwen3, SmolLM3: false pre-fills an empty think block
  std::vector<Tool> tools;  // offered to the model as its template does (Qwen3, Phi-4-mini)
};

// How an embedding pools the output-normed hidden states of an input's tokens into one vector:
// the values of a GGUF's {arch}.pooling_type.
enum class Pooling {
  kNone = 0,  // ModelInfo: the file declares no pooling; EmbedOptions: use the model's
  kMean = 1,  // the average over the tokens
  kCls = 2,   // the first token's
  kLast = 3,  // the last token's (Qwen3-Embedding)
};
const char* pooling_name(Pooling pooling);                 // "none", "mean", "cls", "last"
Result<Pooling> pooling_from_name(std::string_view name);  // the same spellings

struct EmbedOptions {
  // kNone: the model's own (ModelInfo::pooling). A model that declares none (a generative model,
  // whose hidden states were not trained as sentence embeddings) is refused unless one is named.
  Pooling pooling = Pooling::kNone;
  bool normalize = false;  // divide each vector by its L2 norm (cosine similarity = dot product)
  int threads = 0;         // 0 = the model's default
  // As SessionOptions::cancel: set, the call stops within one layer and returns kCancelled.
  const std::atomic<bool>* cancel = nullptr;
};

// Hyperparameters and identity of a loaded model.
struct ModelInfo {
  std::string architecture;  // "qwen3", "llama", "phi3", "smollm3", "qwen2"
  std::string name;          // general.name, if present
  int n_vocab = 0;
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int n_ff = 0;
  int n_rot = 0;
  int context_train = 0;
  float rope_base = 0.0f;
  float rms_eps = 0.0f;
  Pooling pooling = Pooling::kNone;  // {arch}.pooling_type: set by embedding models
  Token bos = -1;                    // -1: none
  Token eos = -1;
  // The ids that end a generation: the vocabulary's end-of-generation set plus the chat
  // template's turn terminator (e.g. <|im_end|>). Sorted.
  std::vector<Token> eog_tokens;
  // The chat template family Session::chat renders ("qwen3", "phi4-mini", "smollm2", "smollm3",
  // "chatml", "qwen2.5", "llama3", "llama3.2", "phi3", "phi3-legacy"); empty when the model has no
  // template shoptalk recognizes (chat_error says why).
  std::string chat_family;
  std::string chat_error;
  uint64_t n_params = 0;
  // Weight bytes one decode step reads: every matrix, with the embedding table counted only
  // when it doubles as the output projection (tied embeddings).
  uint64_t weight_bytes_per_token = 0;
  // Tensor bytes per ggml type name ("q4_K" -> bytes), sorted by type name: the quant mix.
  std::vector<std::pair<std::string, uint64_t>> type_bytes;
};

class Model {
 public:
  static Result<Model> load(const std::string& path, const ModelOptions& options = {});
  // Loads from a GGUF image in caller memory, which must stay valid and unchanged while the
  // model (or any session on it) is alive.
  static Result<Model> load_from_memory(const void* data, size_t size,
                                        const ModelOptions& options = {});
  // What load() would need, computed from the file's header without loading it.
  static Result<MemoryPlan> plan(const std::string& path, const ModelOptions& options = {});

  const ModelInfo& info() const;
  const ModelOptions& options() const;
  MemoryPlan memory() const;  // measured after load: resident weights + one default session
  const char* isa() const;    // the kernel ISA level in use ("avx2", "neon", "scalar", ...)

  // Text to tokens. add_special adds BOS/EOS where the vocabulary asks for them; parse_special
  // turns special-token text (e.g. "<|im_start|>") into those tokens.
  Result<std::vector<Token>> tokenize(std::string_view text, bool add_special = true,
                                      bool parse_special = false) const;
  // Tokens to text; special = render control tokens as their text. Out-of-range ids are errors.
  Result<std::string> detokenize(const std::vector<Token>& tokens, bool special = false) const;
  bool is_end_of_generation(Token token) const;  // one of info().eog_tokens
  // The prompt text the model's chat template renders for these messages (parse it with
  // parse_special = true). kUnsupported when the model has no recognized template.
  Result<std::string> chat_prompt(const std::vector<ChatMessage>& messages,
                                  const ChatOptions& options = {}) const;

  // Embeddings: one vector of info().n_embd floats per input, in input order: the output-normed
  // hidden states of its tokens (after the final norm and its weight, the vectors the LM head
  // would multiply, which is not run) pooled as EmbedOptions says. Each input is evaluated alone
  // from position 0. Thread-safe: concurrent calls on one model each use a context of their own,
  // sized to their longest input. An empty input or a token outside the vocabulary is
  // kInvalidArgument, an input longer than the training context kContextOverflow (the message
  // names the input); an empty list gives an empty result.
  Result<std::vector<std::vector<float>>> embed_tokens(
      const std::vector<std::vector<Token>>& inputs, const EmbedOptions& options = {}) const;
  // The same for texts, tokenized as tokenize(text, true, true): special-token text is parsed and
  // BOS/EOS are added where the vocabulary asks. Qwen3-Embedding expects each text to end with
  // "<|endoftext|>" (its vocabulary does not add it).
  Result<std::vector<std::vector<float>>> embed(const std::vector<std::string>& texts,
                                                const EmbedOptions& options = {}) const;

  struct Impl;

 private:
  friend class Session;
  friend class Constraint;
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// ---- Constrained generation ----

enum class ConstraintKind {
  kJsonSchema,  // the answer is one JSON value valid under the schema
  kGrammar,     // llama.cpp's GBNF syntax, from the rule `root`
  kRegex,       // the whole answer matches the regular expression (ECMAScript syntax)
};
const char* constraint_kind_name(ConstraintKind kind);  // "json_schema", "grammar", "regex"

// A constraint compiled for a model's vocabulary: generation with it only ever samples tokens that
// keep the answer a valid prefix, and ends when the value is complete, so the answer parses and
// validates whatever the model's weights. Compile once and reuse: it is immutable, cheap to copy,
// and shared by any number of generations, sessions and threads on that model (its token-mask
// caches fill as it is used). docs/constraints.md has what each kind supports.
class Constraint {
 public:
  // kInvalidArgument with the position for a malformed text ("json schema: line 3, column 14:
  // unsupported keyword \"allOf\""), an unsupported keyword, or a constraint that matches
  // nothing or only the empty string.
  static Result<Constraint> compile(const Model& model, ConstraintKind kind, std::string_view text);
  ConstraintKind kind() const;
  // Whether `text` is a whole value of the constraint (kInvalidArgument says where it is not).
  Status check(std::string_view text) const;

  struct Impl;

 private:
  friend struct ConstraintAccess;
  explicit Constraint(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// Which answers a chat with tools allows.
enum class ToolChoice {
  kAuto,      // text, or tool calls
  kRequired,  // at least one tool call (GenerateOptions::tool_name: of that tool)
  kNone,      // text only (the tools are still shown to the model)
};

struct SessionOptions {
  int context = 0;                // tokens; 0 = the model's default
  int threads = 0;                // 0 = the model's default
  std::optional<KvType> kv_type;  // the KV cache type; unset = ModelOptions::kv_type
  // Allows a context longer than the model's training context for this session (see
  // ModelOptions::allow_context_beyond_training).
  bool allow_context_beyond_training = false;
  // Set it (from any thread) to stop the session's work: every call that evaluates tokens checks
  // it between tokens and between the layers of each forward pass. A prompt (or eval) is dropped
  // whole and returns kCancelled; a generation stops and returns what it generated, with
  // StopReason::kCancelled (its tokens stay in the context). The flag belongs to the caller, who
  // clears it before the next call. nullptr = not cancellable.
  const std::atomic<bool>* cancel = nullptr;
};

// How the next token is drawn from the logits: logit bias, penalties over the last
// penalty_last_n tokens of the context, then top-k, top-p, min-p, temperature and a seeded draw.
// Names, defaults and order are llama.cpp's. The same seed, options and context give the same
// tokens on any thread count.
struct SamplingOptions {
  static constexpr uint64_t kRandomSeed = 0xFFFFFFFF;  // a new seed each call (llama.cpp's -1)
  float temperature = 0.8f;     // <= 0: greedy (the most likely token, lowest id on ties)
  int top_k = 40;               // <= 0: off
  float top_p = 0.95f;          // 1: off
  float min_p = 0.05f;          // 0: off
  float repeat_penalty = 1.0f;  // 1: off; > 1 discourages tokens in the window
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int penalty_last_n = 64;                          // window of context tokens; 0: off
  std::vector<std::pair<Token, float>> logit_bias;  // added to a token's logit (-inf bans it)
  uint64_t seed = kRandomSeed;

  static SamplingOptions greedy() {
    SamplingOptions s;
    s.temperature = 0.0f;
    return s;
  }
};

// What chat() does when the conversation and its answer do not fit in the session's context.
enum class ContextFull {
  kStop,  // stop with StopReason::kContextFull (a prompt that does not fit is kContextOverflow)
  // Keep the system messages and the latest user message, leave out the oldest turns (a user
  // message and the answers after it) until the rest fits, re-prefill it and go on: before the
  // prompt, so that it leaves room for the answer (max_tokens, at most half the context), and
  // again whenever the answer fills the context. Stops with kContextFull only when nothing is
  // left to leave out. Generation::stats.dropped_messages counts the messages left out.
  kDropOldestTurns,
};

struct GenerateOptions {
  int max_tokens = 256;  // tokens to generate at most
  SamplingOptions sampling;
  // Generation stops when the text contains one of these; neither it nor anything after it is
  // ever emitted (text that could start a stop string is held back until it is decided).
  std::vector<std::string> stop_strings;
  // Tokens that end the generation besides the model's info().eog_tokens. A stop token is not
  // part of the text.
  std::vector<Token> stop_tokens;
  int top_logprobs = 0;         // alternatives reported per generated token (0: none)
  bool enable_thinking = true;  // chat(): Qwen3 / SmolLM3 thinking mode
  ContextFull on_context_full = ContextFull::kStop;  // chat(); generate() always stops

  // Constrained generation: the answer is a value of this constraint. Compiled inline from
  // json_schema, grammar or regex instead when one of them is set (the session keeps the last
  // inline constraint it compiled, so repeating one costs nothing). At most one of the four, and
  // none with tools. In chat() with thinking on (Qwen3, SmolLM3), the think block comes first as
  // free text of at most thinking_budget tokens, then the constrained value. The generation ends
  // with kEndOfGeneration when the value is complete; kIncompleteValue when max_tokens runs out
  // before. Stop strings and stop tokens apply to free text only (the think block, a text answer
  // in a chat with tools), never inside a value or a tool call.
  std::optional<Constraint> constraint;
  std::string json_schema;
  std::string grammar;
  std::string regex;
  int thinking_budget = 0;  // 0: half of max_tokens

  // chat() with tools (Qwen3, Phi-4-mini): the tools are shown to the model as its template does,
  // and a call's arguments are constrained by its tool's schema. Generation::tool_calls holds
  // the calls; append {"assistant", generation.text} and then the results as "tool" messages to
  // the conversation to go on.
  std::vector<Tool> tools;
  ToolChoice tool_choice = ToolChoice::kAuto;
  std::string tool_name;  // with kRequired: the tool to call (empty: any)
};

// Receives the generated text piece by piece (each piece whole UTF-8 characters); return false
// to stop the generation.
using PieceCallback = std::function<bool(std::string_view piece)>;

enum class StopReason {
  kEndOfGeneration,  // the model ended its turn (one of info().eog_tokens), or a constrained value
                     // is complete
  kStopToken,        // one of GenerateOptions::stop_tokens
  kStopString,       // one of GenerateOptions::stop_strings
  kMaxTokens,        // GenerateOptions::max_tokens reached
  kCallback,         // the piece callback returned false
  kContextFull,      // no room left in the session's context
  kCancelled,        // SessionOptions::cancel was set during the generation
  // max_tokens ran out inside a constrained value or a tool call: the answer is not complete.
  kIncompleteValue,
};
const char* stop_reason_name(StopReason reason);  // "end_of_generation", "max_tokens", ...

struct TokenLogprob {
  Token token = 0;
  float logprob = 0.0f;  // natural log of the model's probability (softmax of the raw logits)
};

// One generated token with the model's confidence in it. The probabilities are the model's own
// (temperature 1, before sampling options), so they mean the same whatever the sampling.
struct GeneratedToken {
  Token token = 0;
  float logprob = 0.0f;
  float entropy = 0.0f;           // of the model's distribution at this step, in nats
  std::vector<TokenLogprob> top;  // the top_logprobs most likely tokens, most likely first
};

// A summary over every generated token (the stop token included): low mean log-probability or
// high mean entropy marks an answer worth escalating to a larger model.
struct Confidence {
  float mean_logprob = 0.0f;
  float min_logprob = 0.0f;
  float mean_entropy = 0.0f;
};

struct GenerationStats {
  int prompt_tokens = 0;     // tokens evaluated for the prompt
  int reused_tokens = 0;     // prompt tokens already in the context (chat turns)
  int generated_tokens = 0;  // tokens sampled (the stop token included)
  int dropped_messages = 0;  // chat() with ContextFull::kDropOldestTurns: messages left out
  double prompt_seconds = 0.0;
  double decode_seconds = 0.0;
  double time_to_first_token = 0.0;  // seconds from the call to the first sampled token
  double prefill_tokens_per_second() const {
    return prompt_seconds > 0 ? prompt_tokens / prompt_seconds : 0.0;
  }
  // Tokens evaluated during the decode phase (every generated token but the last) per second.
  double decode_tokens_per_second() const {
    return decode_seconds > 0 && generated_tokens > 1 ? (generated_tokens - 1) / decode_seconds
                                                      : 0.0;
  }
};

struct Generation {
  std::string text;  // exactly what the callback received
  std::vector<GeneratedToken> tokens;
  StopReason stop_reason = StopReason::kMaxTokens;
  Confidence confidence;
  GenerationStats stats;
  uint64_t seed = 0;  // the seed used (replays a kRandomSeed call)
  // With a constraint: the value's text (the text after the think block, when there is one).
  std::string value;
  // With tools: the calls the model made, in order (the text holds them too, as the model wrote
  // them).
  std::vector<ToolCall> tool_calls;
};

// One conversation on a model: its KV cache, position and the tokens in its context. Not
// thread-safe itself; different sessions may run concurrently on one model.
class Session {
 public:
  static Result<Session> create(const Model& model, const SessionOptions& options = {});
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // Appends tokens to the context (in batches of a few hundred tokens) and returns logits: rows
  // for every token when all_logits is true (n_tokens x n_vocab), else the last row only.
  Result<std::vector<float>> eval(const std::vector<Token>& tokens, bool all_logits = false);
  // The same without allocating: the last token's logits are then logits(), and with all_logits
  // set every token's are also written there (n_tokens rows of n_vocab floats, caller-owned).
  Status eval(const Token* tokens, size_t n_tokens, float* all_logits = nullptr);
  // The logits after the last token of the context: info().n_vocab floats owned by the session,
  // valid until it next changes. nullptr when not known: an empty context, or after truncate()
  // or reset(). A failed or cancelled evaluation leaves them as they were.
  const float* logits() const;
  int position() const;                      // tokens in the context
  int context() const;                       // the context limit
  KvType kv_type() const;                    // the KV cache type in use
  void reset();                              // forgets every token
  const std::vector<Token>& tokens() const;  // the tokens in the context
  // Forgets the tokens from `position` on (the cache rows are reused by later tokens).
  Status truncate(int position);

  // Appends text to the context: tokenized with special-token parsing, BOS added at position 0
  // when the vocabulary asks for it. Evaluated in batches (prefill); nothing is generated.
  Status prompt(std::string_view text);
  Status prompt(const std::vector<Token>& tokens);

  // Generates from the current context (after prompt(), eval() or a restored state). The last
  // sampled token is returned but not evaluated, so tokens() ends before it.
  Result<Generation> generate(const GenerateOptions& options = {},
                              const PieceCallback& on_piece = {});
  // prompt(text), then generate.
  Result<Generation> generate(std::string_view prompt_text, const GenerateOptions& options = {},
                              const PieceCallback& on_piece = {});
  // Renders the conversation with the model's chat template and generates the assistant's
  // answer. Across turns pass the whole conversation (with the previous answers as "assistant"
  // messages): only the part after the longest prefix shared with the context is evaluated.
  Result<Generation> chat(const std::vector<ChatMessage>& messages,
                          const GenerateOptions& options = {}, const PieceCallback& on_piece = {});

  // The session's state (the used KV cache rows, the tokens, the last logits), to continue
  // later exactly where it stands, e.g. after a long fixed system prompt. A state restores only
  // into a session of the same model file, context and KV cache type; any other state, or a
  // corrupt or truncated one, is refused with kStateMismatch and leaves the session unchanged.
  Result<std::vector<uint8_t>> save_state() const;
  Status load_state(const void* data, size_t size);
  Status save_state_file(const std::string& path) const;
  Status load_state_file(const std::string& path);

  struct Impl;

 private:
  explicit Session(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ---- Model files ----

struct TensorSummary {
  std::string name;
  std::string type;            // ggml type name ("q4_K")
  std::vector<int64_t> shape;  // ne order: shape[0] is the contiguous dimension
  uint64_t bytes = 0;
};

struct MetadataSummary {
  std::string key;
  std::string type;   // "uint32", "string", "array[string]", ...
  std::string value;  // rendered; long arrays are abbreviated
};

// What `shoptalk inspect` shows: the container, and the model as shoptalk understands it.
struct FileSummary {
  uint32_t version = 0;
  uint64_t file_size = 0;
  uint32_t alignment = 0;
  std::vector<MetadataSummary> metadata;
  std::vector<TensorSummary> tensors;
  std::vector<std::pair<std::string, uint64_t>> type_bytes;  // per ggml type name
  uint64_t tensor_bytes = 0;
  std::string architecture;
  bool model_supported = false;  // shoptalk can run it
  std::string model_error;       // why not, when it cannot
  ModelInfo model;               // valid when model_supported
};

Result<FileSummary> inspect_file(const std::string& path);

// Writes a copy of the model at in_path with its weight matrices stored in the packed layout of
// the kernel level in use (SHOPTALK_ISA or the CPU's best), so loading it there maps them with no
// copy and no repacking (docs/kernels.md, "Packed weights"). The copy gives the same logits. On a
// level with another layout the packed matrices are unpacked at load. kUnsupported when the level
// has no packed layout (scalar); kInvalidArgument when in_path is packed already.
Status pack_model(const std::string& in_path, const std::string& out_path);

// DRAM read bandwidth in bytes per second, measured with `threads` threads (0 = every core)
// streaming a buffer of `bytes` (best of a few passes): the physical limit of decode speed.
Result<double> measure_read_bandwidth(int threads, uint64_t bytes = uint64_t{1} << 30);

// Int8 multiply-adds per second of the kernel level in use (SHOPTALK_ISA or the CPU's best): its
// dot step issued back to back on registers by `threads` threads (0 = every core), best of a few
// passes. The limit of prefill speed, which multiplies every weight by many tokens at once.
Result<double> measure_int8_peak(int threads);

// The kernel ISA level this process uses (SHOPTALK_ISA or the best the CPU supports), or the
// error SHOPTALK_ISA names.
Result<std::string> active_isa();

// A kernel ISA level compiled into this build.
struct IsaLevel {
  std::string name;         // its SHOPTALK_ISA spelling ("scalar", "avx2", "neon", ...)
  bool runnable = false;    // this CPU runs it
  std::string unavailable;  // why not, when it does not run ("... needs AVX2, FMA, ...")
};

// The kernel levels compiled into this build, worst first (scalar first): without SHOPTALK_ISA
// the process uses the last runnable one.
Result<std::vector<IsaLevel>> isa_levels();

}  // namespace shoptalk
