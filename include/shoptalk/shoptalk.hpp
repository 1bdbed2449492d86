// shoptalk: quantized transformer inference for edge devices — the public C++ API.
//
// Load a GGUF model once (Model, immutable, shareable between threads), then hold any number of
// conversations on it (Session: KV cache, position). No exceptions cross this API: every fallible
// call returns a Result holding either its value or an Error with a code and a message.
//
//   auto model = shoptalk::Model::load("qwen3-0.6b-q4_k_m.gguf");
//   if (!model) { log(model.error().message()); return; }
//   auto session = shoptalk::Session::create(*model);
//   auto logits = session->eval(*model->tokenize("Motor current 8.5 A"));
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
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
  int threads = 0;                // threads each session computes with; 0 = every core
  int context = 0;                // default session context; 0 = min(training context, 4096)
  KvType kv_type = KvType::kF16;  // default session KV cache type
  bool vocab_only = false;        // load the tokenizer only (no tensors are read)
  uint64_t memory_budget = 0;  // bytes; a load whose memory plan exceeds it is refused (0 = none)
};

// Bytes a model needs, by category, for one session of the given context.
struct MemoryPlan {
  uint64_t weights = 0;   // resident weight bytes (mapped file or packed copies)
  uint64_t kv_cache = 0;  // one session's KV cache
  uint64_t scratch = 0;   // one session's activations and buffers
  uint64_t total() const { return weights + kv_cache + scratch; }
};

// Hyperparameters and identity of a loaded model.
struct ModelInfo {
  std::string architecture;  // "qwen3", "llama", "phi3", "smollm3"
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
  Token bos = -1;  // -1: none
  Token eos = -1;
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
  bool is_end_of_generation(Token token) const;

  struct Impl;

 private:
  friend class Session;
  explicit Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct SessionOptions {
  int context = 0;  // tokens; 0 = the model's default
  int threads = 0;  // 0 = the model's default
  KvType kv_type = KvType::kF16;
  bool kv_type_from_model = true;  // use ModelOptions::kv_type instead of kv_type
};

// One conversation on a model: its KV cache and position. Not thread-safe itself; different
// sessions may run concurrently on one model.
class Session {
 public:
  static Result<Session> create(const Model& model, const SessionOptions& options = {});
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  ~Session();

  // Appends tokens to the context (the whole batch in one forward pass) and returns logits:
  // rows for every token when all_logits is true (n_tokens x n_vocab), else the last row only.
  Result<std::vector<float>> eval(const std::vector<Token>& tokens, bool all_logits = false);
  int position() const;  // tokens in the context
  int context() const;   // the context limit
  void reset();          // forgets every token

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

// DRAM read bandwidth in bytes per second, measured with `threads` threads (0 = every core)
// streaming a buffer of `bytes` (best of a few passes): the physical limit of decode speed.
Result<double> measure_read_bandwidth(int threads, uint64_t bytes = uint64_t{1} << 30);

// The kernel ISA level this process uses (SHOPTALK_ISA or the best the CPU supports), or the
// error SHOPTALK_ISA names.
Result<std::string> active_isa();

}  // namespace shoptalk
