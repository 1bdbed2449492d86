#include "engine/synth/synth_metadata.h"

#include <cmath>
#include <string>

namespace shoptalk::synth {

namespace {

using gguf::MetaValue;

// Optional hyper-parameter keys each family's converter writes.
struct ArchKeys {
  const char* architecture;
  bool head_dim_keys;   // attention.key_length / value_length even when n_embd / n_head
  bool vocab_size;      // {arch}.vocab_size
  bool rope_dimension;  // rope.dimension_count
};

constexpr ArchKeys kArchKeys[] = {
    {"qwen3", true, false, false},
    {"llama", false, true, true},
    {"phi3", false, false, true},
    {"smollm3", false, true, true},
};

ArchKeys arch_keys(const std::string& architecture) {
  for (const ArchKeys& k : kArchKeys)
    if (architecture == k.architecture) return k;
  return {"", true, false, true};
}

MetaValue u32(int64_t v) {
  return MetaValue::u32(static_cast<uint32_t>(v));
}

// Phi3MiniModel's LongRoPE magnitude: sqrt(1 + ln(s) / ln(original)) for s = context / original.
float longrope_attn_factor(int64_t context, int64_t original) {
  const double s = static_cast<double>(context) / static_cast<double>(original);
  if (s <= 1.0) return 1.0f;
  return static_cast<float>(std::sqrt(1.0 + std::log(s) / std::log(static_cast<double>(original))));
}

}  // namespace

void set_model_metadata(gguf::Writer& w, const ModelPlan& plan) {
  const ModelShape& s = plan.shape;
  const std::string p = s.architecture + ".";
  const ArchKeys keys = arch_keys(s.architecture);
  w.set("general.architecture", MetaValue::string(s.architecture));
  w.set("general.type", MetaValue::string("model"));
  w.set("general.name", MetaValue::string(s.name));
  w.set(p + "block_count", u32(s.n_layer));
  w.set(p + "context_length", u32(s.context));
  w.set(p + "embedding_length", u32(s.n_embd));
  w.set(p + "feed_forward_length", u32(s.n_ff));
  w.set(p + "attention.head_count", u32(s.n_head));
  w.set(p + "attention.head_count_kv", u32(s.n_head_kv));
  w.set(p + "rope.freq_base", MetaValue::f32(s.rope_freq_base));
  w.set(p + "attention.layer_norm_rms_epsilon", MetaValue::f32(s.rms_eps));
  if (keys.head_dim_keys || s.head_dim * s.n_head != s.n_embd) {
    w.set(p + "attention.key_length", u32(s.head_dim));
    w.set(p + "attention.value_length", u32(s.head_dim));
  }
  if (keys.vocab_size) w.set(p + "vocab_size", u32(s.n_vocab));
  if (s.rope_original_context > 0)
    w.set(p + "rope.scaling.original_context_length", u32(s.rope_original_context));
  if (keys.rope_dimension || s.n_rot != s.head_dim) w.set(p + "rope.dimension_count", u32(s.n_rot));
  if (s.sliding_window > 0) w.set(p + "attention.sliding_window", u32(s.sliding_window));
  if (s.rope_original_context > 0)
    w.set(p + "rope.scaling.attn_factor",
          MetaValue::f32(longrope_attn_factor(s.context, s.rope_original_context)));
  w.set("general.file_type", MetaValue::u32(static_cast<uint32_t>(plan.quant.file_type)));
  w.set("general.quantization_version", MetaValue::u32(2));
}

void set_tokenizer_metadata(gguf::Writer& w, SynthVocab v) {
  w.set("tokenizer.ggml.model", MetaValue::string("gpt2"));
  w.set("tokenizer.ggml.pre", MetaValue::string(v.pre));
  w.set("tokenizer.ggml.tokens", MetaValue::string_array(std::move(v.tokens)));
  w.set("tokenizer.ggml.token_type", MetaValue::i32_array(v.types));
  w.set("tokenizer.ggml.merges", MetaValue::string_array(std::move(v.merges)));
  const std::pair<const char*, int32_t> ids[] = {{"tokenizer.ggml.bos_token_id", v.bos},
                                                 {"tokenizer.ggml.eos_token_id", v.eos},
                                                 {"tokenizer.ggml.unknown_token_id", v.unk},
                                                 {"tokenizer.ggml.padding_token_id", v.pad}};
  for (const auto& [key, id] : ids)
    if (id >= 0) w.set(key, MetaValue::u32(static_cast<uint32_t>(id)));
  w.set("tokenizer.ggml.add_bos_token", MetaValue::boolean(v.add_bos));
}

}  // namespace shoptalk::synth
