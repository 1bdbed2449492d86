#include "engine/model/forward.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace shoptalk::engine {

namespace {

constexpr size_t kBufferAlignment = 64;

size_t aligned(size_t bytes) {
  return (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
}

// Where each buffer starts in the block (bytes), and the block's size.
struct Layout {
  size_t x, normed, q, k, v, qkv, attn, gate, up, rope_cos, rope_sin, logits, embed_row, bytes;
  int64_t widest_input;  // of the matmul inputs: the activation conversions' row width
};

Layout layout_for(const ScratchShape& shape, int64_t n_batch) {
  const HParams& hp = shape.hp;
  const auto floats = [&](int64_t per_token) {
    return aligned(static_cast<size_t>(n_batch * per_token) * sizeof(float));
  };
  Layout l{};
  size_t at = 0;
  const auto place = [&at](size_t& field, size_t bytes) {
    field = at;
    at += bytes;
  };
  place(l.x, floats(hp.n_embd));
  place(l.normed, floats(hp.n_embd));
  place(l.rope_cos, floats(hp.n_rot / 2));
  place(l.rope_sin, floats(hp.n_rot / 2));
  place(l.logits, aligned(size_t{hp.n_vocab} * sizeof(float)));
  place(l.embed_row, aligned(shape.embed_row_bytes));
  // The attention block's buffers, then the feed-forward block's over the same bytes.
  const size_t shared = at;
  place(l.q, floats(hp.n_embd_q()));
  place(l.k, floats(hp.n_embd_kv()));
  place(l.v, floats(hp.n_embd_kv()));
  place(l.attn, floats(hp.n_embd_q()));
  if (shape.fused_qkv) place(l.qkv, floats(hp.n_embd_q() + 2 * hp.n_embd_kv()));
  const size_t attention_end = at;
  at = shared;
  place(l.gate, floats(shape.fused_gate_up ? 2 * int64_t{hp.n_ff} : hp.n_ff));
  if (!shape.fused_gate_up) place(l.up, floats(hp.n_ff));
  l.bytes = std::max(at, attention_end);
  l.widest_input = std::max<int64_t>({hp.n_embd, hp.n_embd_q(), hp.n_ff});
  return l;
}

}  // namespace

size_t ForwardBuffers::bytes_for(const ScratchShape& shape, int64_t n_batch) {
  const Layout l = layout_for(shape, n_batch);
  return l.bytes +
         kernels::ActivationCache::bytes_for(shape.activation_types, n_batch, l.widest_input);
}

Result<ForwardBuffers> ForwardBuffers::create(const ScratchShape& shape, int64_t n_batch) {
  const Layout l = layout_for(shape, n_batch);
  ForwardBuffers b;
  b.block_.reset(static_cast<uint8_t*>(std::aligned_alloc(kBufferAlignment, l.bytes)));
  if (!b.block_ || !b.activations.reserve(shape.activation_types, n_batch, l.widest_input))
    return Error(ErrorCode::kOutOfMemory, "cannot allocate " +
                                              std::to_string(bytes_for(shape, n_batch)) +
                                              " bytes of working buffers");
  uint8_t* base = b.block_.get();
  const auto at = [base](size_t offset) { return reinterpret_cast<float*>(base + offset); };
  b.n_batch = n_batch;
  b.x = at(l.x);
  b.normed = at(l.normed);
  b.proj = b.normed;
  b.q = at(l.q);
  b.k = at(l.k);
  b.v = at(l.v);
  b.qkv = shape.fused_qkv ? at(l.qkv) : nullptr;
  b.attn = at(l.attn);
  b.gate = at(l.gate);
  b.up = shape.fused_gate_up ? nullptr : at(l.up);
  b.rope_cos = at(l.rope_cos);
  b.rope_sin = at(l.rope_sin);
  b.logits = at(l.logits);
  b.embed_row = base + l.embed_row;
  return b;
}

namespace {

// y = W·x for the rows of x, converting x to W's activation type through the shared cache.
void project(const ForwardContext& ctx, const kernels::Weight& w, float* y, int64_t y_stride) {
  const kernels::KernelTable& k = ctx.model.kernels();
  const GgmlType act_type = k.types[static_cast<int>(w.type)].vec_dot_type;
  const kernels::ActivationRows& x = ctx.buffers.activations.get(k, ctx.pool, act_type);
  kernels::matmul(k, ctx.pool, w, x, y, y_stride);
}

// Elements of row-wise work below which a thread is not worth waking (a hand-off costs
// microseconds; a row of a norm or an element-wise op takes well under one).
constexpr int64_t kMinRowWork = 1 << 15;

// fn(row) for rows [0, n_rows) of `width` elements each, split among the pool's threads for
// prompt batches. Each row is computed by one thread with the same code, so results do not depend
// on the split.
template <typename Fn>
void for_each_row(const ForwardContext& ctx, int64_t n_rows, int64_t width, const Fn& fn) {
  ctx.pool.parallel_for(
      n_rows,
      [&](int64_t begin, int64_t end) {
        for (int64_t row = begin; row < end; ++row) fn(row);
      },
      std::max<int64_t>(1, kMinRowWork / std::max<int64_t>(1, width)));
}

// rows of x (width n) -> rows of y, each RMS-normalized with weight w.
void rmsnorm_rows(const ForwardContext& ctx, const float* x, const float* w, float* y,
                  int64_t n_rows, int64_t n) {
  const kernels::KernelTable& k = ctx.model.kernels();
  const float eps = ctx.model.hparams().rms_eps;
  for_each_row(ctx, n_rows, n, [&](int64_t t) { k.rmsnorm(x + t * n, w, y + t * n, n, eps); });
}

// x += y over n_rows rows of width n.
void add_rows(const ForwardContext& ctx, float* x, const float* y, int64_t n_rows, int64_t n) {
  const kernels::KernelTable& k = ctx.model.kernels();
  for_each_row(ctx, n_rows, n, [&](int64_t t) { k.add(x + t * n, y + t * n, n); });
}

// Q, K and V of every token: one fused projection split by columns, or three projections.
void attention_inputs(const ForwardContext& ctx, const LayerWeights& w, int64_t n_tok) {
  const HParams& hp = ctx.model.hparams();
  ForwardBuffers& b = ctx.buffers;
  const int64_t nq = hp.n_embd_q();
  const int64_t nkv = hp.n_embd_kv();
  if (w.fused_qkv) {
    const int64_t width = nq + 2 * nkv;
    project(ctx, w.wqkv, b.qkv, width);
    for (int64_t t = 0; t < n_tok; ++t) {
      const float* row = b.qkv + t * width;
      std::copy(row, row + nq, b.q + t * nq);
      std::copy(row + nq, row + nq + nkv, b.k + t * nkv);
      std::copy(row + nq + nkv, row + width, b.v + t * nkv);
    }
  } else {
    project(ctx, w.wq, b.q, nq);
    project(ctx, w.wk, b.k, nkv);
    project(ctx, w.wv, b.v, nkv);
  }
  // Biases (qwen2) are added right after the projections, before the per-head norm and RoPE.
  const kernels::KernelTable& k = ctx.model.kernels();
  for (int64_t t = 0; t < n_tok; ++t) {
    if (w.q_bias) k.add(b.q + t * nq, w.q_bias, nq);
    if (w.k_bias) k.add(b.k + t * nkv, w.k_bias, nkv);
    if (w.v_bias) k.add(b.v + t * nkv, w.v_bias, nkv);
  }
}

// Per-head norm (qwen3), RoPE unless a NoPE layer, the phi3 pre-scaling of Q.
void position_encode(const ForwardContext& ctx, const LayerWeights& w, int64_t n_tok) {
  const HParams& hp = ctx.model.hparams();
  const ArchSpec& spec = ctx.model.arch();
  const kernels::KernelTable& k = ctx.model.kernels();
  ForwardBuffers& b = ctx.buffers;
  const int hd = static_cast<int>(hp.head_dim);
  const int64_t nq = hp.n_embd_q();
  const int64_t nkv = hp.n_embd_kv();
  if (w.q_norm) {
    rmsnorm_rows(ctx, b.q, w.q_norm, b.q, n_tok * hp.n_head, hd);
    rmsnorm_rows(ctx, b.k, w.k_norm, b.k, n_tok * hp.n_head_kv, hd);
  }
  if (w.use_rope) {
    const int64_t half = hp.n_rot / 2;
    for_each_row(ctx, n_tok, nq + nkv, [&](int64_t t) {
      const float* c = b.rope_cos + t * half;
      const float* s = b.rope_sin + t * half;
      k.rope_apply(b.q + t * nq, static_cast<int>(hp.n_head), hd, static_cast<int>(hp.n_rot),
                   spec.rope_style, c, s);
      k.rope_apply(b.k + t * nkv, static_cast<int>(hp.n_head_kv), hd, static_cast<int>(hp.n_rot),
                   spec.rope_style, c, s);
    });
  }
  if (spec.scale_q) k.scale(b.q, 1.0f / std::sqrt(static_cast<float>(hd)), n_tok * nq);
}

// Prompt batches of kernels::kPrefillMinTokens tokens or more take the tiled kernel: a task is a
// tile of consecutive tokens of one GQA group, and each key and value block is converted once for
// all of the tile's query rows (docs/kernels.md, "Prefill attention"). The projections' prefill
// formulation starts at the same size, so a shorter batch computes every row exactly as decode
// steps would: the GQA-group kernel (each K/V row read once per group) when the cache holds
// kGroupMinKv positions, else the one-row path with llama.cpp's fp16-accumulator numerics.
constexpr int64_t kGroupMinKv = 512;
// Query-position-dimension products below which a thread is not worth waking for attention.
constexpr int64_t kMinAttentionWork = 1 << 16;

kernels::AttentionRow attention_row(const ForwardContext& ctx, uint32_t layer, int64_t t, int64_t h,
                                    int64_t pos0) {
  const HParams& hp = ctx.model.hparams();
  const int hd = static_cast<int>(hp.head_dim);
  kernels::AttentionRow row;
  row.q = ctx.buffers.q + t * hp.n_embd_q() + h * hd;
  row.k = ctx.kv.k_head(layer, h / hp.n_gqa());
  row.v = ctx.kv.v_head(layer, h / hp.n_gqa());
  row.kv_stride = ctx.kv.head_bytes();
  row.n_kv = pos0 + t + 1;
  row.head_dim = hd;
  row.kv_type = ctx.kv.type();
  row.scale = ctx.model.arch().scale_q ? 1.0f : 1.0f / std::sqrt(static_cast<float>(hd));
  row.out = ctx.buffers.attn + t * hp.n_embd_q() + h * hd;
  return row;
}

// Tiles of consecutive tokens, one task per tile and KV head. Later tiles see more positions, so
// the tasks run in the order first, last, second, second to last, ...: each thread's contiguous
// share then holds as much early as late work.
void attend_tiled(const ForwardContext& ctx, uint32_t layer, int64_t n_tok, int64_t pos0) {
  const HParams& hp = ctx.model.hparams();
  const kernels::KernelTable& k = ctx.model.kernels();
  const int64_t n_gqa = hp.n_gqa();
  const int64_t tile_tokens = std::max<int64_t>(1, kernels::kAttentionTileRows / n_gqa);
  const int64_t n_tiles = (n_tok + tile_tokens - 1) / tile_tokens;
  const int64_t task_work = tile_tokens * n_gqa * (pos0 + n_tok) * hp.head_dim;
  const size_t scratch_bytes = kernels::attention_tile_scratch_bytes(hp.head_dim);
  ctx.pool.parallel_for(
      n_tiles * hp.n_head_kv,
      [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t turn = task / hp.n_head_kv;
          const int64_t tile = turn % 2 == 0 ? turn / 2 : n_tiles - 1 - turn / 2;
          const int64_t t0 = tile * tile_tokens;
          kernels::AttentionTile args;
          args.first = attention_row(ctx, layer, t0, task % hp.n_head_kv * n_gqa, pos0);
          args.n_query = static_cast<int>(n_gqa);
          args.n_tok = static_cast<int>(std::min(tile_tokens, n_tok - t0));
          args.q_tok_stride = hp.n_embd_q();
          args.out_tok_stride = hp.n_embd_q();
          args.scratch = reinterpret_cast<float*>(kernels::ThreadPool::scratch(scratch_bytes));
          k.attention_tile(k, args);
        }
      },
      std::max<int64_t>(1, kMinAttentionWork / task_work));
}

// Each token's query heads against the cache up to its own position (the causal mask).
void attend(const ForwardContext& ctx, uint32_t layer, int64_t n_tok, int64_t pos0) {
  const HParams& hp = ctx.model.hparams();
  const kernels::KernelTable& k = ctx.model.kernels();
  // The session's pool holds the tiles' scratch (ScratchShape::thread_scratch).
  if (k.attention_tile != nullptr && n_tok >= kernels::kPrefillMinTokens &&
      ctx.pool.scratch_bytes() >= kernels::attention_tile_scratch_bytes(hp.head_dim)) {
    attend_tiled(ctx, layer, n_tok, pos0);
    return;
  }
  const int64_t n_gqa = hp.n_gqa();
  const int hd = static_cast<int>(hp.head_dim);
  const bool grouped = k.attention_group != nullptr && n_gqa <= kernels::kMaxAttentionGroup &&
                       pos0 + n_tok >= kGroupMinKv;
  // A task is one query head (one-row path) or the n_gqa heads sharing a KV head (grouped).
  const int64_t heads_per_task = grouped ? n_gqa : 1;
  const int64_t tasks_per_token = hp.n_head / heads_per_task;
  ctx.pool.parallel_for(
      n_tok * tasks_per_token,
      [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t t = task / tasks_per_token;
          const int64_t h = task % tasks_per_token * heads_per_task;  // the first query head
          const kernels::AttentionRow row = attention_row(ctx, layer, t, h, pos0);
          if (grouped) {
            k.attention_group(k, {row, static_cast<int>(n_gqa), hd, hd});
          } else {
            k.attention_row(k, row);
          }
        }
      },
      std::max<int64_t>(1, kMinAttentionWork / ((pos0 + n_tok) * hd * heads_per_task)));
}

void attention_block(const ForwardContext& ctx, uint32_t layer, int64_t n_tok, int64_t pos0) {
  const HParams& hp = ctx.model.hparams();
  const LayerWeights& w = ctx.model.layers()[layer];
  ForwardBuffers& b = ctx.buffers;
  rmsnorm_rows(ctx, b.x, w.attn_norm, b.normed, n_tok, hp.n_embd);
  b.activations.reset(b.normed, n_tok, hp.n_embd);
  attention_inputs(ctx, w, n_tok);
  position_encode(ctx, w, n_tok);
  const KvRotation& rotation = ctx.kv.rotation();
  if (rotation.n_k() > 0) {
    rotation.rotate_k(b.q, n_tok * hp.n_embd_q());
    rotation.rotate_k(b.k, n_tok * hp.n_embd_kv());
  }
  if (rotation.n_v() > 0) rotation.rotate_v(b.v, n_tok * hp.n_embd_kv());
  for_each_row(ctx, n_tok, 2 * hp.n_embd_kv(), [&](int64_t t) {
    ctx.kv.store(layer, pos0 + t, b.k + t * hp.n_embd_kv(), b.v + t * hp.n_embd_kv());
  });
  attend(ctx, layer, n_tok, pos0);
  if (rotation.n_v() > 0) rotation.rotate_v(b.attn, n_tok * hp.n_embd_q());
  b.activations.reset(b.attn, n_tok, hp.n_embd_q());
  project(ctx, w.wo, b.proj, hp.n_embd);
  add_rows(ctx, b.x, b.proj, n_tok, hp.n_embd);
}

void ffn_block(const ForwardContext& ctx, uint32_t layer, int64_t n_tok) {
  const HParams& hp = ctx.model.hparams();
  const LayerWeights& w = ctx.model.layers()[layer];
  const kernels::KernelTable& k = ctx.model.kernels();
  ForwardBuffers& b = ctx.buffers;
  const int64_t n_ff = hp.n_ff;
  rmsnorm_rows(ctx, b.x, w.ffn_norm, b.normed, n_tok, hp.n_embd);
  b.activations.reset(b.normed, n_tok, hp.n_embd);
  if (ctx.model.arch().fused_gate_up()) {
    project(ctx, w.up, b.gate, 2 * n_ff);
    // In place and in order: row t's output lands on rows already consumed (or on its own gate
    // half, for t = 0), so these rows are not split among threads.
    for (int64_t t = 0; t < n_tok; ++t) {
      const float* row = b.gate + t * 2 * n_ff;
      k.silu_mul(row, row + n_ff, b.gate + t * n_ff, n_ff);
    }
  } else {
    project(ctx, w.gate, b.gate, n_ff);
    project(ctx, w.up, b.up, n_ff);
    for_each_row(ctx, n_tok, n_ff, [&](int64_t t) {
      k.silu_mul(b.gate + t * n_ff, b.up + t * n_ff, b.gate + t * n_ff, n_ff);
    });
  }
  b.activations.reset(b.gate, n_tok, n_ff);
  project(ctx, w.down, b.proj, hp.n_embd);
  add_rows(ctx, b.x, b.proj, n_tok, hp.n_embd);
}

// Every layer over the batch, leaving the residual stream in buffers.x; false when cancelled.
bool run_layers(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0) {
  const Model& model = ctx.model;
  const HParams& hp = model.hparams();
  const kernels::KernelTable& k = model.kernels();
  ForwardBuffers& b = ctx.buffers;

  for (int64_t t = 0; t < n_tok; ++t) model.embed(tokens[t], b.x + t * hp.n_embd, b.embed_row);
  const int64_t half = hp.n_rot / 2;
  for (int64_t t = 0; t < n_tok; ++t) {
    k.rope_cache(pos0 + t, static_cast<int>(hp.n_rot), hp.rope_freq_base, hp.rope_freq_scale,
                 hp.rope_attn_factor, ctx.rope_factors, b.rope_cos + t * half,
                 b.rope_sin + t * half);
  }

  for (uint32_t layer = 0; layer < hp.n_layer; ++layer) {
    if (ctx.cancel && ctx.cancel->load(std::memory_order_relaxed)) return false;
    attention_block(ctx, layer, n_tok, pos0);
    ffn_block(ctx, layer, n_tok);
  }
  return true;
}

}  // namespace

bool forward(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0,
             float* logits, bool all_rows) {
  if (!run_layers(ctx, tokens, n_tok, pos0)) return false;
  if (!logits) return true;
  const Model& model = ctx.model;
  const HParams& hp = model.hparams();
  ForwardBuffers& b = ctx.buffers;
  const int64_t first = all_rows ? 0 : n_tok - 1;
  const int64_t n_out = n_tok - first;
  rmsnorm_rows(ctx, b.x + first * hp.n_embd, model.output_norm(), b.normed, n_out, hp.n_embd);
  b.activations.reset(b.normed, n_out, hp.n_embd);
  project(ctx, model.output(), logits, hp.n_vocab);
  return true;
}

bool forward_states(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0) {
  if (!run_layers(ctx, tokens, n_tok, pos0)) return false;
  const HParams& hp = ctx.model.hparams();
  rmsnorm_rows(ctx, ctx.buffers.x, ctx.model.output_norm(), ctx.buffers.normed, n_tok, hp.n_embd);
  return true;
}

}  // namespace shoptalk::engine
