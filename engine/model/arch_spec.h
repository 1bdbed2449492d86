// An architecture as data: which GGUF keys and tensors a family uses and which features its
// decoder pass switches on (docs/models.md). The one forward pass (forward.cpp)
// reads these flags; a new family that is a variation of these is one more spec, not new code.
#pragma once

#include <string_view>

#include "kernels/kernels.h"

namespace shoptalk::engine {

// GGUF tensor names; per-layer names contain "%d" for the layer index.
struct TensorNames {
  const char* token_embd = "token_embd.weight";
  const char* output_norm = "output_norm.weight";
  const char* output = "output.weight";
  const char* rope_factors_long = "rope_factors_long.weight";
  const char* rope_factors_short = "rope_factors_short.weight";
  const char* attn_norm = "blk.%d.attn_norm.weight";
  const char* attn_q = "blk.%d.attn_q.weight";
  const char* attn_k = "blk.%d.attn_k.weight";
  const char* attn_v = "blk.%d.attn_v.weight";
  const char* attn_qkv = "blk.%d.attn_qkv.weight";
  const char* attn_q_norm = "blk.%d.attn_q_norm.weight";
  const char* attn_k_norm = "blk.%d.attn_k_norm.weight";
  const char* attn_output = "blk.%d.attn_output.weight";
  const char* ffn_norm = "blk.%d.ffn_norm.weight";
  const char* ffn_gate = "blk.%d.ffn_gate.weight";
  const char* ffn_up = "blk.%d.ffn_up.weight";
  const char* ffn_down = "blk.%d.ffn_down.weight";
};

struct ArchSpec {
  std::string_view name;  // general.architecture, also the prefix of the hyper-parameter keys
  TensorNames tensors;
  kernels::RopeStyle rope_style = kernels::RopeStyle::kNeox;
  bool qk_norm = false;         // RMSNorm per head on Q and K (weights {head_dim}) before RoPE
  bool fused_qkv = false;       // the file's usual layout is one attn_qkv (Q, K, V rows); the
                                // loader also accepts the other layout, as llama.cpp does
  bool fused_gate_up = false;   // ffn_up holds [gate; up] (2·n_ff rows, gate first), no ffn_gate
  bool partial_rotary = false;  // n_rot may be smaller than head_dim (the rest is not rotated)
  bool longrope = false;        // rope_factors_long/short chosen by context vs original context
  bool scale_q = false;         // Q *= 1/sqrt(head_dim) before attention, attention scale 1
  bool q_width_is_n_embd = false;  // n_head·head_dim must equal n_embd
  int nope_layer_step = 0;         // layers with (L + 1) % step == 0 skip RoPE; 0: none
  bool tied_embeddings = true;     // output.weight may be absent: the output uses token_embd
};

// The spec for a general.architecture value, or nullptr when shoptalk does not support it.
const ArchSpec* find_arch_spec(std::string_view architecture);

}  // namespace shoptalk::engine
