#include "engine/model/arch_spec.h"

namespace shoptalk::engine {

namespace {

using kernels::RopeStyle;

ArchSpec qwen3_spec() {
  ArchSpec s;
  s.name = "qwen3";
  s.rope_style = RopeStyle::kNeox;
  s.qk_norm = true;
  return s;
}

// SmolLM2. The converter permutes Q/K rows so that adjacent-pair (NORM) rotation is right.
ArchSpec llama_spec() {
  ArchSpec s;
  s.name = "llama";
  s.rope_style = RopeStyle::kNorm;
  return s;
}

// Phi-4-mini.
ArchSpec phi3_spec() {
  ArchSpec s;
  s.name = "phi3";
  s.rope_style = RopeStyle::kNeox;
  s.fused_qkv = true;
  s.fused_gate_up = true;
  s.partial_rotary = true;
  s.longrope = true;
  s.scale_q = true;
  s.q_width_is_n_embd = true;
  return s;
}

// SmolLM3: llama's layout, no RoPE on every 4th layer (hard-coded in llama.cpp, no GGUF key).
ArchSpec smollm3_spec() {
  ArchSpec s;
  s.name = "smollm3";
  s.rope_style = RopeStyle::kNorm;
  s.nope_layer_step = 4;
  return s;
}

const ArchSpec kSpecs[] = {qwen3_spec(), llama_spec(), phi3_spec(), smollm3_spec()};

}  // namespace

const ArchSpec* find_arch_spec(std::string_view architecture) {
  for (const ArchSpec& spec : kSpecs) {
    if (spec.name == architecture) return &spec;
  }
  return nullptr;
}

}  // namespace shoptalk::engine
