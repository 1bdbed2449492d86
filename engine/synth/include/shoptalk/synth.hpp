// Synthetic models: GGUF files with random weights in the exact layout (metadata keys, tensor
// names, shapes and per-tensor quant types) of real converted and llama-quantize'd files, so the
// benchmark and tests can run at real shapes with no download.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk {

struct SynthOptions {
  std::string preset;        // "qwen3-0.6b", "smollm2-135m", "phi-4-mini", ... (see synth_presets)
  std::string architecture;  // without a preset: "qwen3", "llama", "phi3", "smollm3" or "qwen2"
  // Without a preset, the model family of the architecture whose vocabulary and defaults to use
  // ("smollm2" or "llama3.2" for llama, "phi4-mini" or "phi3-mini" for phi3); empty: the first.
  std::string family;
  // Shape overrides (0 = the preset's value). Without a preset, n_embd, n_layer, n_head and n_ff
  // are required; the rest default as converted files do.
  int n_embd = 0;
  int n_layer = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;
  int n_ff = 0;
  int n_vocab = 0;
  int context = 0;
  // A llama-quantize preset ("f32", "f16", "bf16", "q8_0", "q4_0", "q4_1", "q5_0", "q5_1",
  // "q2_k", "q3_k_m", "q4_k_s", "q4_k_m", "q5_k_m", "q6_k", "iq4_nl", "iq4_xs", ...) applied with
  // llama.cpp's per-tensor rules and fallbacks.
  std::string quant = "q4_k_m";
  uint64_t seed = 1;
  // false: quantized blocks copied from a small pool of quantized random rows (fast, any size);
  // true: every row quantized from its own random floats (slow; for numerical tests).
  bool exact_random_weights = false;
};

struct SynthPreset {
  std::string name;
  std::string description;  // "Qwen3-0.6B (qwen3, 28 layers, n_embd 1024)"
};

std::vector<SynthPreset> synth_presets();
std::vector<std::string> synth_quant_names();

// Writes the model to `path`, streaming (memory stays flat whatever the model size).
Status synthesize_model(const SynthOptions& options, const std::string& path);

}  // namespace shoptalk
