// The decoder forward pass shared by every architecture: flags of the ArchSpec choose the
// variations (docs/models.md, forward pass per family).
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "engine/model/kv_cache.h"
#include "engine/model/model.h"
#include "kernels/matmul.h"
#include "kernels/thread_pool.h"

namespace shoptalk::engine {

// Per-session working memory for batches of up to n_batch tokens: one block, allocated when the
// session is created and never grown, so a forward pass allocates nothing. The attention and the
// feed-forward blocks never run at once and share one region; `proj` shares `normed`'s rows, whose
// last reader (the projections' activation conversion) is done before the projection that writes
// proj runs.
class ForwardBuffers {
 public:
  // Bytes create() allocates: the float buffers, one logits row, one embedding row and the
  // activation conversions of a full batch.
  static size_t bytes_for(const ScratchShape& shape, int64_t n_batch);
  // kOutOfMemory when an allocation fails.
  static Result<ForwardBuffers> create(const ScratchShape& shape, int64_t n_batch);

  int64_t n_batch = 0;
  float* x = nullptr;       // residual stream [n_tok][n_embd]
  float* normed = nullptr;  // [n_tok][n_embd]
  float* proj = nullptr;    // output of attn_output / ffn_down [n_tok][n_embd] (normed's rows)
  float* q = nullptr;       // [n_tok][n_head·head_dim]
  float* k = nullptr;       // [n_tok][n_head_kv·head_dim]
  float* v = nullptr;
  float* qkv = nullptr;       // fused projection output [n_tok][q + 2·kv]; null when not fused
  float* attn = nullptr;      // attention output [n_tok][n_head·head_dim]
  float* gate = nullptr;      // [n_tok][n_ff], or [n_tok][2·n_ff] when gate/up are fused; then
                              // silu(gate)·up [n_tok][n_ff], in place
  float* up = nullptr;        // [n_tok][n_ff]; null when fused
  float* rope_cos = nullptr;  // [n_tok][n_rot/2]
  float* rope_sin = nullptr;
  float* logits = nullptr;       // [n_vocab]: the last token's
  uint8_t* embed_row = nullptr;  // an embedding row unpacked from the packed layout
  kernels::ActivationCache activations;

 private:
  struct FreeBytes {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint8_t[], FreeBytes> block_;
};

struct ForwardContext {
  const Model& model;
  KvCache& kv;
  ForwardBuffers& buffers;
  kernels::ThreadPool& pool;
  const float* rope_factors;        // {n_rot/2} or nullptr
  const std::atomic<bool>* cancel;  // checked before each layer; nullptr = never cancelled
};

// Runs n_tok tokens (n_tok <= n_batch) at positions pos0.., appending their K/V to the cache, and
// writes logits to `logits`: every token's (all_rows: n_tok rows of n_vocab) or the last one's;
// none when it is null (a batch whose logits nobody reads). Returns false when ctx.cancel was set
// before a layer: the pass stopped there, nothing was written to `logits` and the cache rows of
// these positions are partly written (they are overwritten when they are reused).
bool forward(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0,
             float* logits, bool all_rows);

// The same pass without the LM head: writes the output-normed hidden state of every token (after
// output_norm and its weight: the vector the output matrix would multiply) into buffers.normed,
// n_tok rows of n_embd. What an embedding pools. Returns false when cancelled, as forward().
bool forward_states(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0);

}  // namespace shoptalk::engine
