#include "engine/model/hparams.h"

#include <cmath>
#include <string>

#include "formats/try.h"

namespace shoptalk::engine {

namespace {

namespace key = hparam_key;

Error bad_value(const std::string& key, const std::string& why) {
  return Error(ErrorCode::kMalformedFile, "model hyper-parameter '" + key + "' " + why);
}

// An unsigned key that may also be a per-layer array (llama.cpp allows that for head counts and
// n_ff); shoptalk needs every layer to agree.
Result<uint32_t> read_layer_uint(const gguf::GgufFile& file, const std::string& key,
                                 uint32_t n_layer, uint32_t fallback, bool required) {
  const gguf::KeyValue* kv = file.find(key);
  if (!kv) {
    if (required) return bad_value(key, "is missing");
    return fallback;
  }
  if (!kv->is_array()) return file.get_uint(key);
  if (kv->element_type != gguf::ValueType::UINT32 && kv->element_type != gguf::ValueType::INT32)
    return bad_value(key, "is an array of a non-integer type");
  if (kv->count != n_layer)
    return bad_value(key, "has " + std::to_string(kv->count) + " entries for " +
                              std::to_string(n_layer) + " layers");
  const double first = kv->number_at(0);
  for (uint64_t i = 1; i < kv->count; ++i) {
    if (kv->number_at(i) != first)
      return Error(ErrorCode::kUnsupported,
                   "model hyper-parameter '" + key + "' differs between layers");
  }
  if (first < 0 || first > 4294967295.0) return bad_value(key, "is out of range");
  return static_cast<uint32_t>(first);
}

Status check_range(const std::string& key, uint64_t value, uint64_t lo, uint64_t hi) {
  if (value < lo || value > hi)
    return bad_value(key, "is " + std::to_string(value) + ", outside [" + std::to_string(lo) +
                              ", " + std::to_string(hi) + "]");
  return {};
}

Status check_positive_finite(const std::string& key, float value) {
  if (!std::isfinite(value) || value <= 0.0f)
    return bad_value(key, "is " + std::to_string(value) + ", not a positive finite number");
  return {};
}

Result<uint32_t> read_vocab_size(const gguf::GgufFile& file, const ArchSpec& spec) {
  if (file.find("tokenizer.ggml.tokens")) {
    ST_ASSIGN_OR_RETURN(const std::vector<std::string_view>* tokens,
                        file.get_string_array("tokenizer.ggml.tokens"));
    return static_cast<uint32_t>(tokens->size() < kMaxVocab + 1 ? tokens->size() : kMaxVocab + 1);
  }
  if (file.find(spec.key(key::kVocabSize))) return file.get_uint(spec.key(key::kVocabSize));
  const gguf::TensorInfo* embd = file.find_tensor(spec.find(TensorRole::kTokenEmbd)->name);
  if (!embd) return bad_value("tokenizer.ggml.tokens", "is missing (and so is token_embd.weight)");
  return static_cast<uint32_t>(embd->ne[1] < kMaxVocab + 1 ? embd->ne[1] : kMaxVocab + 1);
}

}  // namespace

Result<HParams> load_hparams(const gguf::GgufFile& file, const ArchSpec& spec) {
  HParams hp;
  ST_ASSIGN_OR_RETURN(hp.n_ctx_train, file.get_uint(spec.key(key::kContextLength)));
  ST_TRY(check_range(spec.key(key::kContextLength), hp.n_ctx_train, 1, kMaxContext));
  ST_ASSIGN_OR_RETURN(hp.n_embd, file.get_uint(spec.key(key::kEmbeddingLength)));
  ST_TRY(check_range(spec.key(key::kEmbeddingLength), hp.n_embd, 1, kMaxEmbd));
  ST_ASSIGN_OR_RETURN(hp.n_layer, file.get_uint(spec.key(key::kBlockCount)));
  ST_TRY(check_range(spec.key(key::kBlockCount), hp.n_layer, 1, kMaxLayers));

  ST_ASSIGN_OR_RETURN(
      hp.n_ff, read_layer_uint(file, spec.key(key::kFeedForwardLength), hp.n_layer, 0, true));
  ST_TRY(check_range(spec.key(key::kFeedForwardLength), hp.n_ff, 1, kMaxFeedForward));
  ST_ASSIGN_OR_RETURN(hp.n_head,
                      read_layer_uint(file, spec.key(key::kHeadCount), hp.n_layer, 0, true));
  ST_TRY(check_range(spec.key(key::kHeadCount), hp.n_head, 1, hp.n_embd));
  ST_ASSIGN_OR_RETURN(hp.n_head_kv, read_layer_uint(file, spec.key(key::kHeadCountKv), hp.n_layer,
                                                    hp.n_head, false));
  ST_TRY(check_range(spec.key(key::kHeadCountKv), hp.n_head_kv, 1, hp.n_head));
  if (hp.n_head % hp.n_head_kv != 0)
    return bad_value(spec.key(key::kHeadCountKv), "(" + std::to_string(hp.n_head_kv) +
                                                      ") does not divide the head count (" +
                                                      std::to_string(hp.n_head) + ")");

  if (file.find(spec.key(key::kKeyLength))) {
    ST_ASSIGN_OR_RETURN(hp.head_dim, file.get_uint(spec.key(key::kKeyLength)));
  } else {
    if (hp.n_embd % hp.n_head != 0)
      return bad_value(spec.key(key::kHeadCount),
                       "(" + std::to_string(hp.n_head) + ") does not divide embedding_length (" +
                           std::to_string(hp.n_embd) + ") and attention.key_length is absent");
    hp.head_dim = hp.n_embd / hp.n_head;
  }
  ST_TRY(check_range(spec.key(key::kKeyLength), hp.head_dim, 2, kernels::kMaxHeadDim));
  if (hp.head_dim % 2 != 0) return bad_value(spec.key(key::kKeyLength), "is odd");
  ST_ASSIGN_OR_RETURN(const uint32_t value_length,
                      file.get_u32_or(spec.key(key::kValueLength), hp.head_dim));
  if (value_length != hp.head_dim)
    return Error(ErrorCode::kUnsupported, "attention.value_length " + std::to_string(value_length) +
                                              " differs from attention.key_length " +
                                              std::to_string(hp.head_dim));
  if (spec.q_width_is_n_embd && hp.n_embd_q() != hp.n_embd)
    return bad_value(spec.key(key::kHeadCount),
                     "times the head size (" + std::to_string(hp.n_embd_q()) +
                         ") must equal embedding_length for " + std::string(spec.name));

  ST_ASSIGN_OR_RETURN(hp.n_rot, file.get_u32_or(spec.key(key::kRopeDimensionCount), hp.head_dim));
  ST_TRY(check_range(spec.key(key::kRopeDimensionCount), hp.n_rot, 2, hp.head_dim));
  if (hp.n_rot % 2 != 0) return bad_value(spec.key(key::kRopeDimensionCount), "is odd");
  if (!spec.partial_rotary && hp.n_rot != hp.head_dim)
    return bad_value(spec.key(key::kRopeDimensionCount),
                     "(" + std::to_string(hp.n_rot) + ") must equal the head size (" +
                         std::to_string(hp.head_dim) + ") for " + std::string(spec.name));

  ST_ASSIGN_OR_RETURN(hp.rms_eps, file.get_f32(spec.key(key::kRmsEps)));
  if (!std::isfinite(hp.rms_eps) || hp.rms_eps <= 0.0f || hp.rms_eps >= 1.0f)
    return bad_value(spec.key(key::kRmsEps), "is not in (0, 1)");

  ST_ASSIGN_OR_RETURN(hp.rope_freq_base, file.get_f32_or(spec.key(key::kRopeFreqBase), 10000.0f));
  ST_TRY(check_positive_finite(spec.key(key::kRopeFreqBase), hp.rope_freq_base));

  ST_ASSIGN_OR_RETURN(const std::string_view scaling,
                      file.get_string_or(spec.key(key::kRopeScalingType), "linear"));
  if (scaling != "linear" && scaling != "none" && scaling != "longrope")
    return Error(ErrorCode::kUnsupported,
                 "rope scaling type '" + std::string(scaling) + "' is not supported");
  float factor = 0.0f;
  if (file.find(spec.key(key::kRopeScalingFactor))) {
    ST_ASSIGN_OR_RETURN(factor, file.get_f32(spec.key(key::kRopeScalingFactor)));
  } else if (file.find(spec.key(key::kRopeScaleLinear))) {
    ST_ASSIGN_OR_RETURN(factor, file.get_f32(spec.key(key::kRopeScaleLinear)));
  }
  if (!std::isfinite(factor) || factor < 0.0f)
    return bad_value(spec.key(key::kRopeScalingFactor), "is not a finite non-negative number");
  hp.rope_freq_scale = (factor == 0.0f || scaling == "none") ? 1.0f : 1.0f / factor;
  ST_ASSIGN_OR_RETURN(hp.rope_attn_factor, file.get_f32_or(spec.key(key::kRopeAttnFactor), 1.0f));
  ST_TRY(check_positive_finite(spec.key(key::kRopeAttnFactor), hp.rope_attn_factor));
  ST_ASSIGN_OR_RETURN(hp.n_ctx_orig,
                      file.get_u32_or(spec.key(key::kRopeOriginalContext), hp.n_ctx_train));

  ST_ASSIGN_OR_RETURN(const uint32_t n_expert, file.get_u32_or(spec.key(key::kExpertCount), 0));
  if (n_expert != 0)
    return Error(ErrorCode::kUnsupported, "mixture-of-experts models are not supported");
  ST_ASSIGN_OR_RETURN(const bool causal, file.get_bool_or(spec.key(key::kCausal), true));
  if (!causal) return Error(ErrorCode::kUnsupported, "non-causal attention is not supported");

  ST_ASSIGN_OR_RETURN(const uint32_t pooling, file.get_u32_or(spec.key(key::kPoolingType), 0));
  if (pooling > static_cast<uint32_t>(Pooling::kLast))
    return Error(ErrorCode::kUnsupported,
                 spec.key(key::kPoolingType) + " " + std::to_string(pooling) + " is not supported");
  hp.pooling = static_cast<Pooling>(pooling);

  ST_ASSIGN_OR_RETURN(hp.n_vocab, read_vocab_size(file, spec));
  ST_TRY(check_range("tokenizer.ggml.tokens (vocabulary size)", hp.n_vocab, 1, kMaxVocab));
  return hp;
}

}  // namespace shoptalk::engine
