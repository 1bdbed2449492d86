// Hyper-parameters read from GGUF metadata and validated (docs/models.md).
#pragma once

#include <cstdint>

#include "engine/model/arch_spec.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

// Bounds beyond which a file is rejected as absurd rather than allocated for.
inline constexpr uint32_t kMaxLayers = 512;
inline constexpr uint32_t kMaxEmbd = 1u << 16;
inline constexpr uint32_t kMaxFeedForward = 1u << 20;
inline constexpr uint32_t kMaxContext = 1u << 24;
inline constexpr uint32_t kMaxVocab = 1u << 22;

struct HParams {
  uint32_t n_vocab = 0;
  uint32_t n_ctx_train = 0;
  uint32_t n_embd = 0;
  uint32_t n_layer = 0;
  uint32_t n_head = 0;
  uint32_t n_head_kv = 0;
  uint32_t head_dim = 0;
  uint32_t n_ff = 0;
  uint32_t n_rot = 0;
  float rms_eps = 0.0f;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;
  float rope_attn_factor = 1.0f;
  uint32_t n_ctx_orig = 0;           // the context the RoPE factors were trained for (LongRoPE)
  Pooling pooling = Pooling::kNone;  // how an embedding model pools its output-normed states

  int64_t n_embd_q() const { return int64_t{n_head} * head_dim; }
  int64_t n_embd_kv() const { return int64_t{n_head_kv} * head_dim; }
  uint32_t n_gqa() const { return n_head / n_head_kv; }
};

// Reads and checks every hyper-parameter of the spec's family; an Error names the key and value.
Result<HParams> load_hparams(const gguf::GgufFile& file, const ArchSpec& spec);

}  // namespace shoptalk::engine
