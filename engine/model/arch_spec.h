// An architecture as data: the one schema of a model family (docs/models.md). The loader
// (model.cpp, hparams.cpp), the forward pass, the memory planner, inspect, chat-template detection,
// synth and the tests all read it; adding a family that varies these is one more spec in
// arch_spec.cpp (plus a forward-pass flag when its math is new). See docs/architecture.md,
// "Adding a model family".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/chat_family.h"
#include "engine/tokenizer/vocab.h"
#include "kernels/kernels.h"

namespace shoptalk::engine {

struct HParams;

// What a tensor is to the forward pass.
enum class TensorRole : uint8_t {
  kTokenEmbd,
  kOutputNorm,
  kOutput,
  kRopeFactorsLong,  // LongRoPE factors {n_rot/2}, chosen by context vs original context
  kRopeFactorsShort,
  kRopeFreqs,  // Llama-3 frequency factors {n_rot/2}, at every context
  kAttnNorm,
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnQkv,    // Q, K and V rows in one matrix
  kAttnQBias,  // added right after the projection (qwen2)
  kAttnKBias,
  kAttnVBias,
  kAttnQNorm,
  kAttnKNorm,
  kAttnOutput,
  kFfnNorm,
  kFfnGate,
  kFfnUp,
  kFfnDown,
};

// A tensor dimension as a function of the hyper-parameters.
enum class Dim : uint8_t {
  kEmbd,       // n_embd
  kVocab,      // n_vocab
  kEmbdQ,      // n_head·head_dim
  kEmbdKv,     // n_head_kv·head_dim
  kEmbdQkv,    // Q, K and V rows together
  kHeadDim,    // head_dim
  kFf,         // n_ff
  kFfGateUp,   // 2·n_ff: gate rows, then up rows
  kRopePairs,  // n_rot/2
};

int64_t dim_size(Dim dim, const HParams& hp);

// A shape in ggml order: ne[0] is the row length. Vectors have one dimension.
struct TensorShape {
  int n_dims = 1;
  Dim ne[2] = {Dim::kEmbd, Dim::kEmbd};
};

enum class Presence : uint8_t {
  kRequired,
  kOptional,     // loaded when the file has it
  kPreferred,    // one of two layouts of the same weights (fused or split Q/K/V): the one the
                 // family's converter writes
  kAlternative,  // the other layout, loaded instead when the file has it and not the preferred
};

// What synth fills a tensor with.
enum class TensorInit : uint8_t {
  kMatrix,            // Gaussian, std 0.02
  kNorm,              // Gaussian around 1
  kBias,              // Gaussian, std 0.1
  kRopeFactorsShort,  // LongRoPE factors: smooth, from 1 upwards
  kRopeFactorsLong,
  kRopeFreqs,  // Llama-3 factors from the shape's rope scaling, as the converter computes them
};

struct TensorSpec {
  TensorRole role;
  const char* name;  // GGUF name; per-layer names contain "%d" for the layer index
  TensorShape shape;
  Presence presence;
  TensorInit init;

  bool per_layer() const;
  // The GGUF name of layer `layer`'s tensor (per-layer names) or the name itself.
  std::string name_in(int64_t layer) const;
};

// The hyper-parameter keys: "{architecture}." + one of these.
namespace hparam_key {
inline constexpr const char* kContextLength = "context_length";
inline constexpr const char* kEmbeddingLength = "embedding_length";
inline constexpr const char* kBlockCount = "block_count";
inline constexpr const char* kFeedForwardLength = "feed_forward_length";
inline constexpr const char* kHeadCount = "attention.head_count";
inline constexpr const char* kHeadCountKv = "attention.head_count_kv";
inline constexpr const char* kKeyLength = "attention.key_length";
inline constexpr const char* kValueLength = "attention.value_length";
inline constexpr const char* kRmsEps = "attention.layer_norm_rms_epsilon";
inline constexpr const char* kCausal = "attention.causal";
inline constexpr const char* kSlidingWindow = "attention.sliding_window";
inline constexpr const char* kRopeDimensionCount = "rope.dimension_count";
inline constexpr const char* kRopeFreqBase = "rope.freq_base";
inline constexpr const char* kRopeScalingType = "rope.scaling.type";
inline constexpr const char* kRopeScalingFactor = "rope.scaling.factor";
inline constexpr const char* kRopeScaleLinear = "rope.scale_linear";
inline constexpr const char* kRopeAttnFactor = "rope.scaling.attn_factor";
inline constexpr const char* kRopeOriginalContext = "rope.scaling.original_context_length";
inline constexpr const char* kVocabSize = "vocab_size";
inline constexpr const char* kExpertCount = "expert_count";
inline constexpr const char* kPoolingType = "pooling_type";
}  // namespace hparam_key

// Optional keys a family's converter writes even when their value is the one the loader would
// derive from the others (the loader reads every key whenever it is present).
struct ConverterKeys {
  bool head_dim = false;              // attention.key_length / value_length
  bool vocab_size = false;            // vocab_size
  bool rope_dimension_count = false;  // rope.dimension_count
};

// llama.cpp's pooling types, the values of {arch}.pooling_type.
enum class Pooling : uint8_t { kNone = 0, kMean = 1, kCls = 2, kLast = 3 };

// tokenizer.ggml.token_type values.
enum TokenType : int32_t {
  kTokenNormal = 1,
  kTokenUnknown = 2,
  kTokenControl = 3,
  kTokenUserDefined = 4,
  kTokenUnused = 5,
  kTokenByte = 6,
};

// A special token at its real id: `offset` within its block (the head block starts at id 0, the
// tail block ends the vocabulary).
struct SpecialToken {
  int32_t offset;
  const char* text;
  TokenType type;
};

// What the ids of the tail block that name no special token hold.
enum class TailFill : uint8_t {
  kPad,       // "[PAD<id>]", UNUSED: ids the HF vocabulary lacks (embedding rows padded)
  kReserved,  // "<|reserved_special_token_<n>|>", CONTROL (Llama-3 family)
};

// The layout of a family's real vocabulary, which synth reproduces around filler words: BPE
// vocabularies start with the 256 byte tokens in GPT-2 order, SentencePiece ones with `head`
// and then the <0xXX> byte-fallback tokens.
struct VocabSpec {
  VocabModel model = VocabModel::kBpe;  // tokenizer.ggml.model: gpt2 (byte-level BPE) or llama
  const char* pre = "default";          // tokenizer.ggml.pre
  bool add_bos = false;                 // tokenizer.ggml.add_bos_token
  std::vector<SpecialToken> head;       // special tokens before the byte tokens
  std::vector<SpecialToken> tail;       // special tokens of the block that ends the vocabulary
  int32_t tail_size = 0;                // that block's size in the real vocabulary
  TailFill fill = TailFill::kPad;
  const char* bos = nullptr;  // texts of the special ids; nullptr: not written
  const char* eos = nullptr;
  const char* pad = nullptr;
  const char* unk = nullptr;
};

// One published model family stored under an architecture name (Phi-4-mini under phi3, SmolLM2
// under llama): what its vocabulary, chat template and pooling are.
struct FamilySpec {
  std::string_view name;  // "phi4-mini"
  VocabSpec vocab;
  ChatFamily chat;
  // Tokens that identify the family in a vocabulary when the file has no chat template (of the
  // families whose markers are all there, the one with the most wins); none: any vocabulary.
  std::vector<const char*> vocab_markers;
  ConverterKeys converter_keys;
  Pooling pooling = Pooling::kNone;  // written as {arch}.pooling_type when not kNone
};

struct ArchSpec {
  std::string_view name;  // general.architecture, also the prefix of the hyper-parameter keys
  // Every tensor a file of the family may hold; a tensor not listed is a load error.
  std::vector<TensorSpec> tensors;
  // Features of the forward pass the tensor list does not show.
  kernels::RopeStyle rope_style = kernels::RopeStyle::kNeox;
  bool partial_rotary = false;     // n_rot may be smaller than head_dim (the rest is not rotated)
  bool scale_q = false;            // Q *= 1/sqrt(head_dim) before attention, attention scale 1
  bool q_width_is_n_embd = false;  // n_head·head_dim must equal n_embd
  int nope_layer_step = 0;         // layers with (L + 1) % step == 0 skip RoPE; 0: none
  // The families of this architecture, the default (what synth writes without a preset) first.
  std::vector<FamilySpec> families;

  // The spec's entry for a role; nullptr when the family has no such tensor.
  const TensorSpec* find(TensorRole role) const;
  // Features that follow from the tensor list.
  bool qk_norm() const { return find(TensorRole::kAttnQNorm) != nullptr; }
  bool fused_gate_up() const { return find(TensorRole::kFfnGate) == nullptr; }
  bool longrope() const { return find(TensorRole::kRopeFactorsLong) != nullptr; }
  // "{name}." + key.
  std::string key(const char* hparam_key) const;
  // The family of this name; the default one for an empty name; nullptr when unknown.
  const FamilySpec* family(std::string_view family_name) const;
  // The family a vocabulary holding the tokens for which `has_token` is true belongs to (see
  // FamilySpec::vocab_markers); nullptr when none matches.
  template <class HasToken>
  const FamilySpec* family_of_vocab(HasToken has_token) const {
    const FamilySpec* best = nullptr;
    for (const FamilySpec& f : families) {
      bool all = true;
      for (const char* marker : f.vocab_markers) all = all && has_token(marker);
      if (all && (!best || f.vocab_markers.size() > best->vocab_markers.size())) best = &f;
    }
    return best;
  }
};

// Every supported architecture.
const std::vector<ArchSpec>& arch_specs();
// The spec for a general.architecture value, or nullptr when shoptalk does not support it.
const ArchSpec* find_arch_spec(std::string_view architecture);
// "qwen3, llama, phi3, smollm3": the supported architectures, for messages.
std::string supported_architectures();

}  // namespace shoptalk::engine
