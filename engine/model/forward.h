// The decoder forward pass shared by every architecture: flags of the ArchSpec choose the
// variations (docs/models.md, forward pass per family).
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "engine/model/kv_cache.h"
#include "engine/model/model.h"
#include "kernels/matmul.h"
#include "kernels/thread_pool.h"

namespace shoptalk::engine {

// Per-session working memory for batches of up to n_batch tokens.
struct ForwardBuffers {
  // Sizes every buffer for the model; bytes_for() tells how much that is. Without `logits` (an
  // embedding session, which never runs the LM head) the logits buffer stays empty.
  ForwardBuffers(const Model& model, int64_t n_batch, bool logits = true);
  // Bytes a ForwardBuffers holds (float buffers, the logits of a full batch and the converted
  // activations) for a model of these hyper-parameters, layouts and activation types.
  static size_t bytes_for(const HParams& hp, bool fused_qkv, bool fused_gate_up,
                          const std::vector<GgmlType>& activation_types, int64_t n_batch,
                          bool logits = true);

  int64_t n_batch;
  std::vector<float> x;       // residual stream [n_tok][n_embd]
  std::vector<float> normed;  // [n_tok][n_embd]
  std::vector<float> q;       // [n_tok][n_head·head_dim]
  std::vector<float> k;       // [n_tok][n_head_kv·head_dim]
  std::vector<float> v;
  std::vector<float> qkv;       // fused projection output [n_tok][q + 2·kv]
  std::vector<float> attn;      // attention output [n_tok][n_head·head_dim]
  std::vector<float> proj;      // output of attn_output / ffn_down [n_tok][n_embd]
  std::vector<float> gate;      // [n_tok][n_ff], or [n_tok][2·n_ff] when gate/up are fused
  std::vector<float> up;        // [n_tok][n_ff]
  std::vector<float> act;       // silu(gate)·up [n_tok][n_ff]
  std::vector<float> rope_cos;  // [n_tok][n_rot/2]
  std::vector<float> rope_sin;
  std::vector<float> logits;  // [n_tok][n_vocab]
  kernels::ActivationCache activations;
};

struct ForwardContext {
  const Model& model;
  KvCache& kv;
  ForwardBuffers& buffers;
  kernels::ThreadPool& pool;
  const float* rope_factors;        // {n_rot/2} or nullptr
  const std::atomic<bool>* cancel;  // checked before each layer; nullptr = never cancelled
};

// Runs n_tok tokens (n_tok <= n_batch) at positions pos0.., appending their K/V to the cache.
// Writes logits of every token (all_logits) or of the last one into buffers.logits. Returns false
// when ctx.cancel was set before a layer: the pass stopped there, the logits are not valid and the
// cache rows of these positions are partly written (they are overwritten when they are reused).
bool forward(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0,
             bool all_logits);

// The same pass without the LM head: writes the output-normed hidden state of every token (after
// output_norm and its weight: the vector the output matrix would multiply) into buffers.normed,
// n_tok rows of n_embd. What an embedding pools. Returns false when cancelled, as forward().
bool forward_states(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0);

}  // namespace shoptalk::engine
