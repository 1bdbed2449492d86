// The shapes of the real models shoptalk targets (docs/models.md), as data, and the
// resolution of synth options (a preset plus overrides, or an architecture plus a shape) into one
// complete ModelShape.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shoptalk/result.hpp"
#include "shoptalk/synth.hpp"

namespace shoptalk::synth {

// Llama-3's rope scaling (HF rope_scaling with rope_type "llama3"), from which the converter
// computes the rope_freqs tensor; factor 0: none.
struct Llama3Rope {
  float factor = 0.0f;
  float low_freq_factor = 1.0f;
  float high_freq_factor = 4.0f;
  int64_t original_context = 8192;
};

// Everything the GGUF metadata and the tensor list of a synthetic model depend on.
struct ModelShape {
  std::string architecture;  // general.architecture: "qwen3", "llama", "phi3", "smollm3", "qwen2"
  std::string family;        // the model family of the architecture's spec (its vocabulary)
  std::string name;          // general.name
  int64_t n_embd = 0;
  int64_t n_layer = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  int64_t n_vocab = 0;
  int64_t context = 0;
  int64_t n_rot = 0;  // rotated dimensions per head (partial rotary: fewer than head_dim)
  float rope_freq_base = 10000.0f;
  float rms_eps = 1e-5f;
  // phi3: the context the model was first trained for (0: not written).
  int64_t rope_original_context = 0;
  bool longrope = false;  // phi3 with LongRoPE factors (HF rope_scaling "longrope")
  // Written as {arch}.attention.sliding_window when non-zero (converted Phi-4-mini files have it).
  int64_t sliding_window = 0;
  bool tied_embeddings = true;  // false: an output.weight of its own
  Llama3Rope llama3_rope;

  int64_t n_embd_q() const { return n_head * head_dim; }
  int64_t n_embd_kv() const { return n_head_kv * head_dim; }
};

struct PresetEntry {
  const char* name;          // "qwen3-0.6b"
  const char* model_name;    // "Qwen3-0.6B", as the model is published
  const char* general_name;  // general.name as the converter writes it
  const char* architecture;
  const char* family;  // a FamilySpec of the architecture's ArchSpec
  int64_t n_embd, n_layer, n_head, n_head_kv;
  int64_t head_dim;  // 0: n_embd / n_head (only Qwen3 sets it explicitly)
  int64_t n_ff, n_vocab, context;
  float rope_freq_base, rms_eps;
  float partial_rotary_factor;  // the share of n_embd / n_head that is rotated
  int64_t rope_original_context, sliding_window;
  bool longrope = false;
  bool tied_embeddings = true;
  Llama3Rope llama3_rope = {};
};

const std::vector<PresetEntry>& preset_table();
const PresetEntry* find_preset(const std::string& name);

// The preset (with overrides applied) or the architecture's defaults plus the given shape,
// validated: an Error names the inconsistent value.
Result<ModelShape> resolve_shape(const SynthOptions& options);

}  // namespace shoptalk::synth
