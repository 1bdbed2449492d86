#include "engine/model/arch_spec.h"

#include <algorithm>
#include <iterator>

#include "engine/model/hparams.h"

namespace shoptalk::engine {

namespace {

using kernels::RopeStyle;
using R = TensorRole;

constexpr TensorShape vec(Dim n) {
  return {1, {n, n}};
}
constexpr TensorShape mat(Dim cols, Dim rows) {
  return {2, {cols, rows}};
}

// Every role's GGUF name, usual shape and synthetic values: llama.cpp names a role's tensor the
// same way in every architecture.
const TensorSpec kRoles[] = {
    {R::kTokenEmbd, "token_embd.weight", mat(Dim::kEmbd, Dim::kVocab), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kOutputNorm, "output_norm.weight", vec(Dim::kEmbd), Presence::kRequired, TensorInit::kNorm},
    {R::kOutput, "output.weight", mat(Dim::kEmbd, Dim::kVocab), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kRopeFactorsLong, "rope_factors_long.weight", vec(Dim::kRopePairs), Presence::kRequired,
     TensorInit::kRopeFactorsLong},
    {R::kRopeFactorsShort, "rope_factors_short.weight", vec(Dim::kRopePairs), Presence::kRequired,
     TensorInit::kRopeFactorsShort},
    {R::kRopeFreqs, "rope_freqs.weight", vec(Dim::kRopePairs), Presence::kRequired,
     TensorInit::kRopeFreqs},
    {R::kAttnNorm, "blk.%d.attn_norm.weight", vec(Dim::kEmbd), Presence::kRequired,
     TensorInit::kNorm},
    {R::kAttnQ, "blk.%d.attn_q.weight", mat(Dim::kEmbd, Dim::kEmbdQ), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kAttnK, "blk.%d.attn_k.weight", mat(Dim::kEmbd, Dim::kEmbdKv), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kAttnV, "blk.%d.attn_v.weight", mat(Dim::kEmbd, Dim::kEmbdKv), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kAttnQkv, "blk.%d.attn_qkv.weight", mat(Dim::kEmbd, Dim::kEmbdQkv), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kAttnQBias, "blk.%d.attn_q.bias", vec(Dim::kEmbdQ), Presence::kRequired, TensorInit::kBias},
    {R::kAttnKBias, "blk.%d.attn_k.bias", vec(Dim::kEmbdKv), Presence::kRequired,
     TensorInit::kBias},
    {R::kAttnVBias, "blk.%d.attn_v.bias", vec(Dim::kEmbdKv), Presence::kRequired,
     TensorInit::kBias},
    {R::kAttnQNorm, "blk.%d.attn_q_norm.weight", vec(Dim::kHeadDim), Presence::kRequired,
     TensorInit::kNorm},
    {R::kAttnKNorm, "blk.%d.attn_k_norm.weight", vec(Dim::kHeadDim), Presence::kRequired,
     TensorInit::kNorm},
    {R::kAttnOutput, "blk.%d.attn_output.weight", mat(Dim::kEmbdQ, Dim::kEmbd), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kFfnNorm, "blk.%d.ffn_norm.weight", vec(Dim::kEmbd), Presence::kRequired,
     TensorInit::kNorm},
    {R::kFfnGate, "blk.%d.ffn_gate.weight", mat(Dim::kEmbd, Dim::kFf), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kFfnUp, "blk.%d.ffn_up.weight", mat(Dim::kEmbd, Dim::kFf), Presence::kRequired,
     TensorInit::kMatrix},
    {R::kFfnDown, "blk.%d.ffn_down.weight", mat(Dim::kFf, Dim::kEmbd), Presence::kRequired,
     TensorInit::kMatrix},
};

TensorSpec tensor(TensorRole role, Presence presence) {
  TensorSpec t = *std::find_if(std::begin(kRoles), std::end(kRoles),
                               [role](const TensorSpec& r) { return r.role == role; });
  t.presence = presence;
  return t;
}
TensorSpec required(TensorRole role) {
  return tensor(role, Presence::kRequired);
}
TensorSpec optional(TensorRole role) {
  return tensor(role, Presence::kOptional);
}

// The tensors of the llama layout, which the other families vary: split Q/K/V (a fused attn_qkv
// loads too), separate gate and up, an output projection tied to the embeddings when absent.
// `between` goes after the Q/K/V projections.
std::vector<TensorSpec> llama_tensors(std::vector<TensorSpec> between = {}) {
  std::vector<TensorSpec> t = {required(R::kTokenEmbd),
                               required(R::kOutputNorm),
                               optional(R::kOutput),
                               required(R::kAttnNorm),
                               tensor(R::kAttnQ, Presence::kPreferred),
                               tensor(R::kAttnK, Presence::kPreferred),
                               tensor(R::kAttnV, Presence::kPreferred),
                               tensor(R::kAttnQkv, Presence::kAlternative)};
  t.insert(t.end(), between.begin(), between.end());
  for (R role : {R::kAttnOutput, R::kFfnNorm, R::kFfnGate, R::kFfnUp, R::kFfnDown})
    t.push_back(required(role));
  return t;
}

// LlamaModel's converter writes vocab_size and rope.dimension_count.
ConverterKeys llama_keys() {
  ConverterKeys keys;
  keys.vocab_size = true;
  keys.rope_dimension_count = true;
  return keys;
}

constexpr TokenType C = kTokenControl;
constexpr TokenType U = kTokenUserDefined;

// Qwen2.5: ids 151643..151664, then [PAD151665]..[PAD151935].
VocabSpec qwen25_vocab() {
  VocabSpec v;
  v.pre = "qwen2";
  v.tail = {{0, "<|endoftext|>", C},        {1, "<|im_start|>", C},       {2, "<|im_end|>", C},
            {3, "<|object_ref_start|>", C}, {4, "<|object_ref_end|>", C}, {5, "<|box_start|>", C},
            {6, "<|box_end|>", C},          {7, "<|quad_start|>", C},     {8, "<|quad_end|>", C},
            {9, "<|vision_start|>", C},     {10, "<|vision_end|>", C},    {11, "<|vision_pad|>", C},
            {12, "<|image_pad|>", C},       {13, "<|video_pad|>", C},     {14, "<tool_call>", U},
            {15, "</tool_call>", U},        {16, "<|fim_prefix|>", C},    {17, "<|fim_middle|>", C},
            {18, "<|fim_suffix|>", C},      {19, "<|fim_pad|>", C},       {20, "<|repo_name|>", C},
            {21, "<|file_sep|>", C}};
  v.tail_size = 151936 - 151643;
  v.bos = "<|endoftext|>";
  v.eos = "<|im_end|>";
  v.pad = "<|endoftext|>";
  return v;
}

// Qwen3: Qwen2.5's tokens, then 151665..151668 the tool-response and think tags.
VocabSpec qwen3_vocab() {
  VocabSpec v = qwen25_vocab();
  v.tail.insert(v.tail.end(), {{22, "<tool_response>", U},
                               {23, "</tool_response>", U},
                               {24, "<think>", U},
                               {25, "</think>", U}});
  return v;
}

// Qwen3-Embedding: Qwen3's tokens without the [PAD] rows (151669 ids).
VocabSpec qwen3_embedding_vocab() {
  VocabSpec v = qwen3_vocab();
  v.tail_size = 151669 - 151643;
  return v;
}

// Qwen3, and Qwen3-Embedding: the same graph, whose converter writes pooling_type = LAST (the
// sentence-transformers last-token pooling) for Model::embed.
ArchSpec qwen3_spec() {
  ArchSpec s;
  s.name = "qwen3";
  s.tensors = llama_tensors({required(R::kAttnQNorm), required(R::kAttnKNorm)});
  s.rope_style = RopeStyle::kNeox;
  ConverterKeys keys;
  keys.head_dim = true;
  s.families = {
      {"qwen3", qwen3_vocab(), ChatFamily::kQwen3, {}, keys},
      {"qwen3-embedding", qwen3_embedding_vocab(), ChatFamily::kQwen3, {}, keys, Pooling::kLast}};
  return s;
}

// Qwen2 / Qwen2.5: the llama layout with Q/K/V biases, NEOX RoPE; the converter writes no optional
// keys.
ArchSpec qwen2_spec() {
  ArchSpec s;
  s.name = "qwen2";
  s.tensors =
      llama_tensors({required(R::kAttnQBias), required(R::kAttnKBias), required(R::kAttnVBias)});
  s.rope_style = RopeStyle::kNeox;
  s.families = {{"qwen2.5", qwen25_vocab(), ChatFamily::kQwen25, {}, {}}};
  return s;
}

// SmolLM2: ids 0..16 special, then the byte tokens.
VocabSpec smollm2_vocab() {
  VocabSpec v;
  v.pre = "smollm";
  v.head = {{0, "<|endoftext|>", C},     {1, "<|im_start|>", C},    {2, "<|im_end|>", C},
            {3, "<repo_name>", C},       {4, "<reponame>", C},      {5, "<file_sep>", C},
            {6, "<filename>", C},        {7, "<gh_stars>", C},      {8, "<issue_start>", C},
            {9, "<issue_comment>", C},   {10, "<issue_closed>", C}, {11, "<jupyter_start>", C},
            {12, "<jupyter_text>", C},   {13, "<jupyter_code>", C}, {14, "<jupyter_output>", C},
            {15, "<jupyter_script>", C}, {16, "<empty_output>", C}};
  v.bos = "<|im_start|>";
  v.eos = "<|im_end|>";
  v.pad = "<|im_end|>";
  v.unk = "<|endoftext|>";
  return v;
}

// Llama-3 (128256 tokens): 128000.. the 256 special tokens.
VocabSpec llama3_vocab() {
  VocabSpec v;
  v.pre = "llama-bpe";
  v.add_bos = true;
  v.tail = {{0, "<|begin_of_text|>", C},
            {1, "<|end_of_text|>", C},
            {4, "<|finetune_right_pad_id|>", C},
            {6, "<|start_header_id|>", C},
            {7, "<|end_header_id|>", C},
            {8, "<|eom_id|>", C},
            {9, "<|eot_id|>", C},
            {10, "<|python_tag|>", C}};
  v.tail_size = 128256 - 128000;
  v.fill = TailFill::kReserved;
  v.bos = "<|begin_of_text|>";
  v.eos = "<|eot_id|>";
  return v;
}

// SmolLM2 and Llama-3.2. The converter permutes Q/K rows so that adjacent-pair (NORM) rotation is
// right. Llama-3.2's rope_freqs divide the rotation frequencies (docs/models.md).
ArchSpec llama_spec() {
  ArchSpec s;
  s.name = "llama";
  s.tensors = llama_tensors();
  s.tensors.insert(s.tensors.begin() + 3, optional(R::kRopeFreqs));
  s.rope_style = RopeStyle::kNorm;
  ConverterKeys llama3_keys = llama_keys();
  llama3_keys.head_dim = true;  // Llama-3.2's config names head_dim
  s.families = {{"smollm2",
                 smollm2_vocab(),
                 ChatFamily::kChatML,
                 {"<|im_start|>", "<|im_end|>"},
                 llama_keys()},
                {"llama3.2",
                 llama3_vocab(),
                 ChatFamily::kLlama32,
                 {"<|start_header_id|>", "<|eot_id|>"},
                 llama3_keys}};
  return s;
}

// Phi-4-mini (o200k): 199999 <|endoftext|>, 200018 <|endofprompt|>, 200019.. chat tokens.
VocabSpec phi4_mini_vocab() {
  VocabSpec v;
  v.pre = "gpt-4o";
  v.tail = {{0, "<|endoftext|>", C},   {19, "<|endofprompt|>", C},   {20, "<|assistant|>", C},
            {21, "<|end|>", C},        {22, "<|user|>", C},          {23, "<|system|>", C},
            {24, "<|tool|>", C},       {25, "<|/tool|>", C},         {26, "<|tool_call|>", C},
            {27, "<|/tool_call|>", C}, {28, "<|tool_response|>", C}, {29, "<|tag|>", C}};
  v.tail_size = 200064 - 199999;
  v.bos = "<|endoftext|>";
  v.eos = "<|endoftext|>";
  v.pad = "<|endoftext|>";
  return v;
}

// Phi-3-mini / Phi-3.5-mini (SentencePiece, 32064 tokens): <unk> <s> </s>, the byte tokens, the
// pieces, then 32000.. the chat tokens and [PAD<id>] up to the padded embedding rows.
VocabSpec phi3_mini_vocab() {
  VocabSpec v;
  v.model = VocabModel::kSpm;
  v.add_bos = true;
  v.head = {{0, "<unk>", kTokenUnknown}, {1, "<s>", C}, {2, "</s>", C}};
  v.tail = {{0, "<|endoftext|>", C},    {1, "<|assistant|>", C},    {2, "<|placeholder1|>", C},
            {3, "<|placeholder2|>", C}, {4, "<|placeholder3|>", C}, {5, "<|placeholder4|>", C},
            {6, "<|system|>", C},       {7, "<|end|>", C},          {8, "<|placeholder5|>", C},
            {9, "<|placeholder6|>", C}, {10, "<|user|>", C}};
  v.tail_size = 32064 - 32000;
  v.bos = "<s>";
  v.eos = "<|endoftext|>";
  v.pad = "<|endoftext|>";
  v.unk = "<unk>";
  return v;
}

// Phi-4-mini and Phi-3: fused Q/K/V (split loads too) and gate/up, partial rotary, LongRoPE
// factors.
ArchSpec phi3_spec() {
  ArchSpec s;
  s.name = "phi3";
  TensorSpec gate_up = required(R::kFfnUp);
  gate_up.shape = mat(Dim::kEmbd, Dim::kFfGateUp);
  s.tensors = {required(R::kTokenEmbd),
               required(R::kOutputNorm),
               optional(R::kOutput),
               optional(R::kRopeFactorsLong),
               optional(R::kRopeFactorsShort),
               required(R::kAttnNorm),
               tensor(R::kAttnQkv, Presence::kPreferred),
               tensor(R::kAttnQ, Presence::kAlternative),
               tensor(R::kAttnK, Presence::kAlternative),
               tensor(R::kAttnV, Presence::kAlternative),
               required(R::kAttnOutput),
               required(R::kFfnNorm),
               gate_up,
               required(R::kFfnDown)};
  s.rope_style = RopeStyle::kNeox;
  s.partial_rotary = true;
  s.scale_q = true;
  s.q_width_is_n_embd = true;
  ConverterKeys keys;
  keys.rope_dimension_count = true;
  s.families = {
      {"phi4-mini", phi4_mini_vocab(), ChatFamily::kPhi4, {"<|assistant|>", "<|end|>"}, keys},
      {"phi3-mini",
       phi3_mini_vocab(),
       ChatFamily::kPhi3,
       {"<s>", "<|assistant|>", "<|end|>"},
       keys}};
  return s;
}

// SmolLM3: the Llama-3 tokenizer with <|im_start|> and <|im_end|> at 128011 and 128012.
VocabSpec smollm3_vocab() {
  VocabSpec v = llama3_vocab();
  v.add_bos = false;
  v.tail.insert(v.tail.end(), {{11, "<|im_start|>", C}, {12, "<|im_end|>", C}});
  v.eos = "<|im_end|>";
  v.pad = "<|im_end|>";
  return v;
}

// SmolLM3: llama's layout, no RoPE on every 4th layer (hard-coded in llama.cpp, no GGUF key).
ArchSpec smollm3_spec() {
  ArchSpec s;
  s.name = "smollm3";
  s.tensors = llama_tensors();
  s.rope_style = RopeStyle::kNorm;
  s.nope_layer_step = 4;
  s.families = {{"smollm3", smollm3_vocab(), ChatFamily::kSmolLM3, {}, llama_keys()}};
  return s;
}

}  // namespace

int64_t dim_size(Dim dim, const HParams& hp) {
  switch (dim) {
    case Dim::kEmbd:
      return hp.n_embd;
    case Dim::kVocab:
      return hp.n_vocab;
    case Dim::kEmbdQ:
      return hp.n_embd_q();
    case Dim::kEmbdKv:
      return hp.n_embd_kv();
    case Dim::kEmbdQkv:
      return hp.n_embd_q() + 2 * hp.n_embd_kv();
    case Dim::kHeadDim:
      return hp.head_dim;
    case Dim::kFf:
      return hp.n_ff;
    case Dim::kFfGateUp:
      return 2 * int64_t{hp.n_ff};
    case Dim::kRopePairs:
      return hp.n_rot / 2;
  }
  return 0;
}

bool TensorSpec::per_layer() const {
  return std::string_view(name).find("%d") != std::string_view::npos;
}

std::string TensorSpec::name_in(int64_t layer) const {
  std::string out = name;
  const size_t at = out.find("%d");
  if (at != std::string::npos) out.replace(at, 2, std::to_string(layer));
  return out;
}

const TensorSpec* ArchSpec::find(TensorRole role) const {
  for (const TensorSpec& t : tensors)
    if (t.role == role) return &t;
  return nullptr;
}

std::string ArchSpec::key(const char* hparam_key) const {
  return std::string(name) + "." + hparam_key;
}

const FamilySpec* ArchSpec::family(std::string_view family_name) const {
  if (family_name.empty()) return families.empty() ? nullptr : &families.front();
  for (const FamilySpec& f : families)
    if (f.name == family_name) return &f;
  return nullptr;
}

const std::vector<ArchSpec>& arch_specs() {
  static const std::vector<ArchSpec> kSpecs = {qwen3_spec(), llama_spec(), phi3_spec(),
                                               smollm3_spec(), qwen2_spec()};
  return kSpecs;
}

const ArchSpec* find_arch_spec(std::string_view architecture) {
  for (const ArchSpec& spec : arch_specs()) {
    if (spec.name == architecture) return &spec;
  }
  return nullptr;
}

std::string supported_architectures() {
  std::string out;
  for (const ArchSpec& spec : arch_specs())
    out += (out.empty() ? "" : ", ") + std::string(spec.name);
  return out;
}

}  // namespace shoptalk::engine
