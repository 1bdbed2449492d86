#include "engine/synth/synth_metadata.h"

#include <cmath>
#include <string>

namespace shoptalk::synth {

namespace {

using gguf::MetaValue;

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
  namespace key = engine::hparam_key;
  const ModelShape& s = plan.shape;
  const engine::ArchSpec& spec = *engine::find_arch_spec(s.architecture);
  const engine::FamilySpec& family = *spec.family(s.family);
  const engine::ConverterKeys& keys = family.converter_keys;
  w.set("general.architecture", MetaValue::string(s.architecture));
  w.set("general.type", MetaValue::string("model"));
  w.set("general.name", MetaValue::string(s.name));
  w.set(spec.key(key::kBlockCount), u32(s.n_layer));
  w.set(spec.key(key::kContextLength), u32(s.context));
  w.set(spec.key(key::kEmbeddingLength), u32(s.n_embd));
  w.set(spec.key(key::kFeedForwardLength), u32(s.n_ff));
  w.set(spec.key(key::kHeadCount), u32(s.n_head));
  w.set(spec.key(key::kHeadCountKv), u32(s.n_head_kv));
  w.set(spec.key(key::kRopeFreqBase), MetaValue::f32(s.rope_freq_base));
  w.set(spec.key(key::kRmsEps), MetaValue::f32(s.rms_eps));
  if (keys.head_dim || s.head_dim * s.n_head != s.n_embd) {
    w.set(spec.key(key::kKeyLength), u32(s.head_dim));
    w.set(spec.key(key::kValueLength), u32(s.head_dim));
  }
  if (keys.vocab_size) w.set(spec.key(key::kVocabSize), u32(s.n_vocab));
  if (s.rope_original_context > 0)
    w.set(spec.key(key::kRopeOriginalContext), u32(s.rope_original_context));
  if (keys.rope_dimension_count || s.n_rot != s.head_dim)
    w.set(spec.key(key::kRopeDimensionCount), u32(s.n_rot));
  if (s.sliding_window > 0) w.set(spec.key(key::kSlidingWindow), u32(s.sliding_window));
  if (s.longrope)
    w.set(spec.key(key::kRopeAttnFactor),
          MetaValue::f32(longrope_attn_factor(s.context, s.rope_original_context)));
  if (family.pooling != engine::Pooling::kNone)
    w.set(spec.key(key::kPoolingType), u32(static_cast<int64_t>(family.pooling)));
  w.set("general.file_type", MetaValue::u32(static_cast<uint32_t>(plan.quant.file_type)));
  w.set("general.quantization_version", MetaValue::u32(2));
}

void set_tokenizer_metadata(gguf::Writer& w, SynthVocab v) {
  const bool spm = v.model == engine::VocabModel::kSpm;
  w.set("tokenizer.ggml.model", MetaValue::string(spm ? "llama" : "gpt2"));
  w.set("tokenizer.ggml.pre", MetaValue::string(v.pre));
  w.set("tokenizer.ggml.tokens", MetaValue::string_array(std::move(v.tokens)));
  if (spm) w.set("tokenizer.ggml.scores", MetaValue::f32_array(v.scores));
  w.set("tokenizer.ggml.token_type", MetaValue::i32_array(v.types));
  if (!spm) w.set("tokenizer.ggml.merges", MetaValue::string_array(std::move(v.merges)));
  const std::pair<const char*, int32_t> ids[] = {{"tokenizer.ggml.bos_token_id", v.bos},
                                                 {"tokenizer.ggml.eos_token_id", v.eos},
                                                 {"tokenizer.ggml.unknown_token_id", v.unk},
                                                 {"tokenizer.ggml.padding_token_id", v.pad}};
  for (const auto& [key, id] : ids)
    if (id >= 0) w.set(key, MetaValue::u32(static_cast<uint32_t>(id)));
  w.set("tokenizer.ggml.add_bos_token", MetaValue::boolean(v.add_bos));
}

}  // namespace shoptalk::synth
