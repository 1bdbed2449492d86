#include "engine/model/forward.h"

#include <algorithm>
#include <cmath>

namespace shoptalk::engine {

namespace {

struct BufferSizes {
  int64_t x, q, kv, qkv, gate, up, ffn, rope, logits, widest_input;
};

BufferSizes sizes_for(const HParams& hp, bool fused_qkv, bool fused_gate_up, int64_t n_batch,
                      bool logits) {
  BufferSizes s;
  s.x = n_batch * hp.n_embd;
  s.q = n_batch * hp.n_embd_q();
  s.kv = n_batch * hp.n_embd_kv();
  s.qkv = fused_qkv ? n_batch * (hp.n_embd_q() + 2 * hp.n_embd_kv()) : 0;
  s.ffn = n_batch * hp.n_ff;
  s.gate = fused_gate_up ? 2 * s.ffn : s.ffn;
  s.up = fused_gate_up ? 0 : s.ffn;
  s.rope = n_batch * (hp.n_rot / 2);
  s.logits = logits ? n_batch * hp.n_vocab : 0;
  s.widest_input = std::max<int64_t>({hp.n_embd, hp.n_embd_q(), hp.n_ff});
  return s;
}

size_t as_size(int64_t n) {
  return static_cast<size_t>(n);
}

}  // namespace

ForwardBuffers::ForwardBuffers(const Model& model, int64_t batch, bool with_logits)
    : n_batch(batch) {
  const bool fused_qkv = std::any_of(model.layers().begin(), model.layers().end(),
                                     [](const LayerWeights& w) { return w.fused_qkv; });
  const BufferSizes s =
      sizes_for(model.hparams(), fused_qkv, model.arch().fused_gate_up(), batch, with_logits);
  x.resize(as_size(s.x));
  normed.resize(as_size(s.x));
  q.resize(as_size(s.q));
  k.resize(as_size(s.kv));
  v.resize(as_size(s.kv));
  qkv.resize(as_size(s.qkv));
  attn.resize(as_size(s.q));
  proj.resize(as_size(s.x));
  gate.resize(as_size(s.gate));
  up.resize(as_size(s.up));
  act.resize(as_size(s.ffn));
  rope_cos.resize(as_size(s.rope));
  rope_sin.resize(as_size(s.rope));
  logits.resize(as_size(s.logits));
}

size_t ForwardBuffers::bytes_for(const HParams& hp, bool fused_qkv, bool fused_gate_up,
                                 const std::vector<GgmlType>& activation_types, int64_t batch,
                                 bool logits) {
  const BufferSizes s = sizes_for(hp, fused_qkv, fused_gate_up, batch, logits);
  const int64_t floats =
      4 * s.x + 2 * s.q + 2 * s.kv + s.qkv + s.gate + s.up + s.ffn + 2 * s.rope + s.logits;
  size_t bytes = as_size(floats) * sizeof(float);
  for (GgmlType type : activation_types)
    bytes += kernels::activation_row_bytes(type, s.widest_input) * as_size(batch);
  return bytes;
}

namespace {

// y = W·x for the rows of x, converting x to W's activation type through the shared cache.
void project(const ForwardContext& ctx, const kernels::Weight& w, float* y, int64_t y_stride) {
  const kernels::KernelTable& k = ctx.model.kernels();
  const GgmlType act_type = k.types[static_cast<int>(w.type)].vec_dot_type;
  const kernels::ActivationRows& x = ctx.buffers.activations.get(k, ctx.pool, act_type);
  kernels::matmul(k, ctx.pool, w, x, y, y_stride);
}

// rows of x (width n) -> rows of y, each RMS-normalized with weight w.
void rmsnorm_rows(const ForwardContext& ctx, const float* x, const float* w, float* y,
                  int64_t n_rows, int64_t n) {
  const kernels::KernelTable& k = ctx.model.kernels();
  const float eps = ctx.model.hparams().rms_eps;
  for (int64_t t = 0; t < n_rows; ++t) k.rmsnorm(x + t * n, w, y + t * n, n, eps);
}

// Q, K and V of every token: one fused projection split by columns, or three projections.
void attention_inputs(const ForwardContext& ctx, const LayerWeights& w, int64_t n_tok) {
  const HParams& hp = ctx.model.hparams();
  ForwardBuffers& b = ctx.buffers;
  const int64_t nq = hp.n_embd_q();
  const int64_t nkv = hp.n_embd_kv();
  if (w.fused_qkv) {
    const int64_t width = nq + 2 * nkv;
    project(ctx, w.wqkv, b.qkv.data(), width);
    for (int64_t t = 0; t < n_tok; ++t) {
      const float* row = b.qkv.data() + t * width;
      std::copy(row, row + nq, b.q.data() + t * nq);
      std::copy(row + nq, row + nq + nkv, b.k.data() + t * nkv);
      std::copy(row + nq + nkv, row + width, b.v.data() + t * nkv);
    }
  } else {
    project(ctx, w.wq, b.q.data(), nq);
    project(ctx, w.wk, b.k.data(), nkv);
    project(ctx, w.wv, b.v.data(), nkv);
  }
  // Biases (qwen2) are added right after the projections, before the per-head norm and RoPE.
  const kernels::KernelTable& k = ctx.model.kernels();
  for (int64_t t = 0; t < n_tok; ++t) {
    if (w.q_bias) k.add(b.q.data() + t * nq, w.q_bias, nq);
    if (w.k_bias) k.add(b.k.data() + t * nkv, w.k_bias, nkv);
    if (w.v_bias) k.add(b.v.data() + t * nkv, w.v_bias, nkv);
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
    rmsnorm_rows(ctx, b.q.data(), w.q_norm, b.q.data(), n_tok * hp.n_head, hd);
    rmsnorm_rows(ctx, b.k.data(), w.k_norm, b.k.data(), n_tok * hp.n_head_kv, hd);
  }
  if (w.use_rope) {
    const int64_t half = hp.n_rot / 2;
    for (int64_t t = 0; t < n_tok; ++t) {
      const float* c = b.rope_cos.data() + t * half;
      const float* s = b.rope_sin.data() + t * half;
      k.rope_apply(b.q.data() + t * nq, static_cast<int>(hp.n_head), hd, static_cast<int>(hp.n_rot),
                   spec.rope_style, c, s);
      k.rope_apply(b.k.data() + t * nkv, static_cast<int>(hp.n_head_kv), hd,
                   static_cast<int>(hp.n_rot), spec.rope_style, c, s);
    }
  }
  if (spec.scale_q) k.scale(b.q.data(), 1.0f / std::sqrt(static_cast<float>(hd)), n_tok * nq);
}

// Prompt batches of at least kGroupMinRows tokens and caches of kGroupMinKv positions take the
// GQA-group kernel (float accumulators, each K/V row read once per group of query heads): that is
// where llama.cpp also leaves its one-row fp16-accumulator path, whose numerics shorter work keeps.
constexpr int64_t kGroupMinRows = 64;
constexpr int64_t kGroupMinKv = 512;
// Query-position-dimension products below which a thread is not worth waking for attention.
constexpr int64_t kMinAttentionWork = 1 << 16;

// Each token's query heads against the cache up to its own position (the causal mask).
void attend(const ForwardContext& ctx, uint32_t layer, int64_t n_tok, int64_t pos0) {
  const HParams& hp = ctx.model.hparams();
  const ArchSpec& spec = ctx.model.arch();
  const kernels::KernelTable& k = ctx.model.kernels();
  ForwardBuffers& b = ctx.buffers;
  const KvCache& kv = ctx.kv;
  const int64_t n_gqa = hp.n_gqa();
  const int hd = static_cast<int>(hp.head_dim);
  const float scale = spec.scale_q ? 1.0f : 1.0f / std::sqrt(static_cast<float>(hd));
  const bool grouped = k.attention_group != nullptr && n_gqa <= kernels::kMaxAttentionGroup &&
                       (n_tok >= kGroupMinRows || pos0 + n_tok >= kGroupMinKv);
  // A task is one query head (one-row path) or the n_gqa heads sharing a KV head (grouped).
  const int64_t heads_per_task = grouped ? n_gqa : 1;
  const int64_t tasks_per_token = hp.n_head / heads_per_task;
  ctx.pool.parallel_for(
      n_tok * tasks_per_token,
      [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t t = task / tasks_per_token;
          const int64_t h = task % tasks_per_token * heads_per_task;  // the first query head
          kernels::AttentionRow row;
          row.q = b.q.data() + t * hp.n_embd_q() + h * hd;
          row.k = kv.k_head(layer, h / n_gqa);
          row.v = kv.v_head(layer, h / n_gqa);
          row.kv_stride = kv.head_bytes();
          row.n_kv = pos0 + t + 1;
          row.head_dim = hd;
          row.kv_type = kv.type();
          row.scale = scale;
          row.out = b.attn.data() + t * hp.n_embd_q() + h * hd;
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
  const kernels::KernelTable& k = ctx.model.kernels();
  ForwardBuffers& b = ctx.buffers;
  rmsnorm_rows(ctx, b.x.data(), w.attn_norm, b.normed.data(), n_tok, hp.n_embd);
  b.activations.reset(b.normed.data(), n_tok, hp.n_embd);
  attention_inputs(ctx, w, n_tok);
  position_encode(ctx, w, n_tok);
  const KvRotation& rotation = ctx.kv.rotation();
  if (rotation.n_k() > 0) {
    rotation.rotate_k(b.q.data(), n_tok * hp.n_embd_q());
    rotation.rotate_k(b.k.data(), n_tok * hp.n_embd_kv());
  }
  if (rotation.n_v() > 0) rotation.rotate_v(b.v.data(), n_tok * hp.n_embd_kv());
  for (int64_t t = 0; t < n_tok; ++t)
    ctx.kv.store(layer, pos0 + t, b.k.data() + t * hp.n_embd_kv(), b.v.data() + t * hp.n_embd_kv());
  attend(ctx, layer, n_tok, pos0);
  if (rotation.n_v() > 0) rotation.rotate_v(b.attn.data(), n_tok * hp.n_embd_q());
  b.activations.reset(b.attn.data(), n_tok, hp.n_embd_q());
  project(ctx, w.wo, b.proj.data(), hp.n_embd);
  k.add(b.x.data(), b.proj.data(), n_tok * hp.n_embd);
}

void ffn_block(const ForwardContext& ctx, uint32_t layer, int64_t n_tok) {
  const HParams& hp = ctx.model.hparams();
  const LayerWeights& w = ctx.model.layers()[layer];
  const kernels::KernelTable& k = ctx.model.kernels();
  ForwardBuffers& b = ctx.buffers;
  const int64_t n_ff = hp.n_ff;
  rmsnorm_rows(ctx, b.x.data(), w.ffn_norm, b.normed.data(), n_tok, hp.n_embd);
  b.activations.reset(b.normed.data(), n_tok, hp.n_embd);
  if (ctx.model.arch().fused_gate_up()) {
    project(ctx, w.up, b.gate.data(), 2 * n_ff);
    for (int64_t t = 0; t < n_tok; ++t) {
      const float* row = b.gate.data() + t * 2 * n_ff;
      k.silu_mul(row, row + n_ff, b.act.data() + t * n_ff, n_ff);
    }
  } else {
    project(ctx, w.gate, b.gate.data(), n_ff);
    project(ctx, w.up, b.up.data(), n_ff);
    k.silu_mul(b.gate.data(), b.up.data(), b.act.data(), n_tok * n_ff);
  }
  b.activations.reset(b.act.data(), n_tok, n_ff);
  project(ctx, w.down, b.proj.data(), hp.n_embd);
  k.add(b.x.data(), b.proj.data(), n_tok * hp.n_embd);
}

// Every layer over the batch, leaving the residual stream in buffers.x; false when cancelled.
bool run_layers(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0) {
  const Model& model = ctx.model;
  const HParams& hp = model.hparams();
  const kernels::KernelTable& k = model.kernels();
  ForwardBuffers& b = ctx.buffers;

  for (int64_t t = 0; t < n_tok; ++t) model.embed(tokens[t], b.x.data() + t * hp.n_embd);
  const int64_t half = hp.n_rot / 2;
  for (int64_t t = 0; t < n_tok; ++t) {
    k.rope_cache(pos0 + t, static_cast<int>(hp.n_rot), hp.rope_freq_base, hp.rope_freq_scale,
                 hp.rope_attn_factor, ctx.rope_factors, b.rope_cos.data() + t * half,
                 b.rope_sin.data() + t * half);
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
             bool all_logits) {
  if (!run_layers(ctx, tokens, n_tok, pos0)) return false;
  const Model& model = ctx.model;
  const HParams& hp = model.hparams();
  ForwardBuffers& b = ctx.buffers;
  const int64_t first = all_logits ? 0 : n_tok - 1;
  const int64_t n_out = n_tok - first;
  rmsnorm_rows(ctx, b.x.data() + first * hp.n_embd, model.output_norm(), b.normed.data(), n_out,
               hp.n_embd);
  b.activations.reset(b.normed.data(), n_out, hp.n_embd);
  project(ctx, model.output(), b.logits.data(), hp.n_vocab);
  return true;
}

bool forward_states(const ForwardContext& ctx, const int32_t* tokens, int64_t n_tok, int64_t pos0) {
  if (!run_layers(ctx, tokens, n_tok, pos0)) return false;
  const HParams& hp = ctx.model.hparams();
  rmsnorm_rows(ctx, ctx.buffers.x.data(), ctx.model.output_norm(), ctx.buffers.normed.data(), n_tok,
               hp.n_embd);
  return true;
}

}  // namespace shoptalk::engine
