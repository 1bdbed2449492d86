#include "oracle/oracle.h"

#include <cmath>
#include <string>

#include "engine/model/model.h"
#include "formats/blocks.h"
#include "formats/fp16.h"
#include "formats/quant_table.h"
#include "formats/try.h"
#include "kernels/kernels.h"

namespace shoptalk::test::oracle {

namespace {

using Eigen::MatrixXd;
using Eigen::VectorXd;
using engine::TensorRole;

// The activation type a weight type's products convert their input to (docs/formats.md).
GgmlType activation_type(GgmlType weight) {
  switch (weight) {
    case GgmlType::Q4_0:
    case GgmlType::Q5_0:
    case GgmlType::Q8_0:
    case GgmlType::IQ4_NL:
      return GgmlType::Q8_0;
    case GgmlType::Q4_1:
    case GgmlType::Q5_1:
      return GgmlType::Q8_1;
    case GgmlType::Q2_K:
    case GgmlType::Q3_K:
    case GgmlType::Q4_K:
    case GgmlType::Q5_K:
    case GgmlType::Q6_K:
    case GgmlType::IQ4_XS:
      return GgmlType::Q8_K;
    case GgmlType::F16:
    case GgmlType::BF16:
      return weight;
    default:
      return GgmlType::F32;
  }
}

// Activations as a product reads them: the values, and for Q8_1 each 32-block's s − d·Σcodes
// (s = fp16(d·Σcodes) is what a Q4_1/Q5_1 product multiplies the weights' min by).
struct Activations {
  MatrixXd values;
  MatrixXd sum_corrections;  // [n / 32 x columns], Q8_1 only
};

// Q8_0 / Q8_1 as the x86 build (and shoptalk on every level) quantizes activations, per 32
// values in float: d = amax / 127 kept as fp16, codes round_half_even(x · 127/amax).
void quantize_q8(const float* x, int64_t n, bool with_sum, float* values, double* corrections) {
  for (int64_t b = 0; b < n; b += kQK) {
    float amax = 0.0f;
    for (int i = 0; i < kQK; ++i) amax = std::max(amax, std::fabs(x[b + i]));
    const float d = amax / 127.0f;
    const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
    const float d16 = fp16_to_fp32(fp32_to_fp16(d));
    int sum = 0;
    for (int i = 0; i < kQK; ++i) {
      const int code = static_cast<int>(std::nearbyint(x[b + i] * id));
      sum += code;
      values[b + i] = d16 * static_cast<float>(code);
    }
    if (with_sum) {
      const float s = fp16_to_fp32(fp32_to_fp16(d * static_cast<float>(sum)));
      corrections[b / kQK] = static_cast<double>(s) - static_cast<double>(d16) * sum;
    }
  }
}

// Each column of x stored as `type` (float32 values quantized, then read back).
Activations quantize_columns(const MatrixXd& x, GgmlType type) {
  const int64_t n = x.rows();
  Activations out;
  out.values.resize(n, x.cols());
  if (type == GgmlType::Q8_1) out.sum_corrections.resize(n / kQK, x.cols());
  const QuantTypeInfo& info = quant_type_info(type);
  std::vector<float> values(static_cast<size_t>(n)), back(values.size());
  std::vector<double> corrections(static_cast<size_t>(n / kQK));
  std::vector<uint8_t> blocks(row_size(info, n));
  for (int64_t c = 0; c < x.cols(); ++c) {
    for (int64_t i = 0; i < n; ++i) values[i] = static_cast<float>(x(i, c));
    if (type == GgmlType::Q8_0 || type == GgmlType::Q8_1) {
      quantize_q8(values.data(), n, type == GgmlType::Q8_1, back.data(), corrections.data());
    } else if (type != GgmlType::F32) {
      info.quantize_row(values.data(), blocks.data(), n);
      info.dequantize_row(blocks.data(), back.data(), n);
    } else {
      back = values;
    }
    for (int64_t i = 0; i < n; ++i) out.values(i, c) = back[i];
    if (type == GgmlType::Q8_1)
      for (int64_t b = 0; b < n / kQK; ++b) out.sum_corrections(b, c) = corrections[b];
  }
  return out;
}

MatrixXd round_columns(const MatrixXd& x, GgmlType type) {
  return quantize_columns(x, type).values;
}

// Every value rounded to binary16 (float32 first, as the values are floats in the engine).
template <typename Values>
void round_f16(Values&& x) {
  x = x.unaryExpr(
      [](double v) { return double{fp16_to_fp32(fp32_to_fp16(static_cast<float>(v)))}; });
}

// The m (fp16) of every 32-block of a Q4_1 / Q5_1 tensor.
template <typename Block>
MatrixXd block_mins(const gguf::TensorInfo& info) {
  const int64_t blocks = info.ne[0] / kQK;
  MatrixXd mins(info.n_rows(), blocks);
  const Block* data = reinterpret_cast<const Block*>(info.data);
  for (int64_t r = 0; r < info.n_rows(); ++r)
    for (int64_t b = 0; b < blocks; ++b) mins(r, b) = fp16_to_fp32(data[r * blocks + b].m);
  return mins;
}

// The orthonormal Walsh-Hadamard matrix of order n (a power of two) in natural order:
// H[i][j] = (-1)^popcount(i & j) / sqrt(n). Symmetric, so H·H = I.
MatrixXd hadamard(int n) {
  MatrixXd h(n, n);
  const double scale = 1.0 / std::sqrt(static_cast<double>(n));
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) h(i, j) = (__builtin_popcount(i & j) & 1) ? -scale : scale;
  return h;
}

// The heads of K or V as the cache stores them (and of Q as the one-row attention converts it to
// the cache's dot-product type). A quantized store with a head size that is a multiple of 64 holds
// each head rotated by H in blocks of `block`; reading it back through the rotated query (K) or
// rotating the output back (V) equals using H·dequantize(quantize(H·x)) in place of x
// (docs/models.md, CPU precision).
void round_heads(MatrixXd& x, int64_t head_dim, KvStore kv, int block) {
  if (kv == KvStore::kExact) return;
  if (kv == KvStore::kF16) {
    round_f16(x);
    return;
  }
  const bool rotated = head_dim % 64 == 0;
  const MatrixXd h = hadamard(rotated ? block : 1);
  for (int64_t c = 0; c < x.cols(); ++c) {
    for (int64_t start = 0; start < x.rows(); start += head_dim) {
      MatrixXd head = x.col(c).segment(start, head_dim);
      for (int64_t b = 0; rotated && b < head_dim; b += block)
        head.middleRows(b, block) = h * head.middleRows(b, block);
      head = round_columns(head, GgmlType::Q8_0);
      for (int64_t b = 0; rotated && b < head_dim; b += block)
        head.middleRows(b, block) = h * head.middleRows(b, block);
      x.col(c).segment(start, head_dim) = head;
    }
  }
}

// One query row of flash attention as llama.cpp's one-row path computes it (docs/models.md):
// scores dot(K_j, Q) scaled after the dot, an online softmax (running maximum M and sum S) and
// the value accumulator rounded to fp16 after every step when V is F16, divided by S at the end.
VectorXd one_row_attention(const VectorXd& q, const MatrixXd& keys, const MatrixXd& values,
                           double scale, bool f16_values) {
  const auto round = [&](VectorXd& acc) {
    if (f16_values) round_f16(acc);
  };
  VectorXd acc = VectorXd::Zero(values.rows());
  double m = -INFINITY;
  double sum = 0.0;
  for (int64_t j = 0; j < keys.cols(); ++j) {
    const double s = keys.col(j).dot(q) * scale;
    double old_scale = 1.0;
    double weight = 1.0;
    if (s > m) {
      old_scale = std::exp(m - s);
      m = s;
      acc *= old_scale;
      round(acc);
    } else {
      weight = std::exp(s - m);
    }
    acc += values.col(j) * weight;
    round(acc);
    sum = sum * old_scale + weight;
  }
  return acc / sum;
}

// Whether the forward pass below uses a role's tensor. No default: a role added to the schema
// fails to compile here until the oracle implements it (or says why it needs nothing).
bool implemented(TensorRole role) {
  switch (role) {
    case TensorRole::kTokenEmbd:
    case TensorRole::kOutputNorm:
    case TensorRole::kOutput:
    case TensorRole::kRopeFactorsLong:
    case TensorRole::kRopeFactorsShort:
    case TensorRole::kRopeFreqs:
    case TensorRole::kAttnNorm:
    case TensorRole::kAttnQ:
    case TensorRole::kAttnK:
    case TensorRole::kAttnV:
    case TensorRole::kAttnQkv:
    case TensorRole::kAttnQBias:
    case TensorRole::kAttnKBias:
    case TensorRole::kAttnVBias:
    case TensorRole::kAttnQNorm:
    case TensorRole::kAttnKNorm:
    case TensorRole::kAttnOutput:
    case TensorRole::kFfnNorm:
    case TensorRole::kFfnGate:
    case TensorRole::kFfnUp:
    case TensorRole::kFfnDown:
      return true;
  }
  return false;
}

}  // namespace

Result<Oracle> Oracle::load(const gguf::GgufFile& file) {
  ST_ASSIGN_OR_RETURN(auto header, engine::read_model_header(file));
  Oracle o;
  o.spec_ = header.first;
  o.hp_ = header.second;
  ST_TRY(engine::check_tensor_names(file, *o.spec_, o.hp_));
  for (const engine::TensorSpec& t : o.spec_->tensors) {
    const int64_t layers = t.per_layer() ? o.hp_.n_layer : 1;
    for (int64_t layer = 0; layer < layers; ++layer) {
      const std::string name = t.name_in(layer);
      const gguf::TensorInfo* info = file.find_tensor(name);
      if (!info) continue;
      if (!implemented(t.role))
        return Error(ErrorCode::kUnsupported, "oracle: no formula for tensor " + name);
      const QuantTypeInfo& q = quant_type_info(info->type);
      if (!q.dequantize_row)
        return Error(ErrorCode::kUnsupported, "oracle: cannot dequantize " + name);
      const int64_t n = info->ne[0];
      const size_t row_bytes = row_size(q, n);
      Tensor tensor;
      tensor.type = info->type;
      tensor.values.resize(info->n_rows(), n);
      std::vector<float> row(static_cast<size_t>(n));
      for (int64_t r = 0; r < info->n_rows(); ++r) {
        q.dequantize_row(info->data + static_cast<size_t>(r) * row_bytes, row.data(), n);
        for (int64_t i = 0; i < n; ++i) tensor.values(r, i) = row[i];
      }
      if (info->type == GgmlType::Q4_1) tensor.block_mins = block_mins<BlockQ4_1>(*info);
      if (info->type == GgmlType::Q5_1) tensor.block_mins = block_mins<BlockQ5_1>(*info);
      o.tensors_[{t.role, t.per_layer() ? layer : -1}] = std::move(tensor);
    }
  }
  return o;
}

const Oracle::Tensor* Oracle::find(TensorRole role, int64_t layer) const {
  const auto it = tensors_.find({role, layer});
  return it == tensors_.end() ? nullptr : &it->second;
}

int Oracle::k_block() const {
  int block = 64;
  while (hp_.head_dim % (2 * block) == 0) block *= 2;
  return block;
}

const Oracle::Tensor& Oracle::get(TensorRole role, int64_t layer) const {
  return *find(role, layer);
}

MatrixXd Oracle::project(const Tensor& w, const MatrixXd& x, Numerics numerics) const {
  if (numerics == Numerics::kExact) return w.values * x;
  const Activations a = quantize_columns(x, activation_type(w.type));
  if (w.block_mins.size() == 0) return w.values * a.values;
  return w.values * a.values + w.block_mins * a.sum_corrections;
}

// Each column (a token, or one head of Q or K) scaled by 1/sqrt(mean square + eps), times w.
MatrixXd Oracle::rmsnorm(const MatrixXd& x, const VectorXd& weight) const {
  MatrixXd y(x.rows(), x.cols());
  for (int64_t c = 0; c < x.cols(); ++c) {
    const double scale = 1.0 / std::sqrt(x.col(c).squaredNorm() / x.rows() + hp_.rms_eps);
    y.col(c) = (x.col(c) * scale).cwiseProduct(weight);
  }
  return y;
}

// RoPE at position = column index over the first n_rot dimensions of each head: pair i turns by
// pos·base^(−2i/n_rot)·freq_scale / f_i, cos and sin times attn_factor; NEOX pairs (i, i +
// n_rot/2), NORM pairs (2i, 2i + 1). f_i: phi3's LongRoPE factors (the long set when the context
// exceeds the original one), Llama-3's rope_freqs, else 1.
void Oracle::rope(MatrixXd& x, int64_t n_heads, const RunOptions& options) const {
  const int64_t hd = hp_.head_dim;
  const int64_t half = hp_.n_rot / 2;
  const Tensor* factors = find(options.n_ctx > hp_.n_ctx_orig ? TensorRole::kRopeFactorsLong
                                                              : TensorRole::kRopeFactorsShort);
  if (!factors) factors = find(TensorRole::kRopeFreqs);
  const bool neox = spec_->rope_style == kernels::RopeStyle::kNeox;
  for (int64_t pos = 0; pos < x.cols(); ++pos) {
    for (int64_t i = 0; i < half; ++i) {
      double theta = static_cast<double>(pos) *
                     std::pow(static_cast<double>(hp_.rope_freq_base), -2.0 * i / hp_.n_rot) *
                     hp_.rope_freq_scale;
      if (factors) theta /= factors->values(0, i);
      const double c = std::cos(theta) * hp_.rope_attn_factor;
      const double s = std::sin(theta) * hp_.rope_attn_factor;
      const int64_t a = neox ? i : 2 * i;
      const int64_t b = neox ? i + half : 2 * i + 1;
      for (int64_t h = 0; h < n_heads; ++h) {
        double& u = x(h * hd + a, pos);
        double& v = x(h * hd + b, pos);
        const double u0 = u;
        u = u0 * c - v * s;
        v = u0 * s + v * c;
      }
    }
  }
}

// Causal softmax attention of every query head against its KV head (h / n_gqa).
MatrixXd Oracle::attention(const MatrixXd& q, const MatrixXd& k, const MatrixXd& v, double scale,
                           const RunOptions& options) const {
  const int64_t hd = hp_.head_dim;
  const int64_t n_tok = q.cols();
  const int64_t batch = options.batch > 0 ? options.batch : n_tok;
  MatrixXd q_rounded = q;
  round_heads(q_rounded, hd, options.kv, k_block());
  MatrixXd out(q.rows(), n_tok);
  for (int64_t h = 0; h < static_cast<int64_t>(hp_.n_head); ++h) {
    const int64_t kv_head = h / hp_.n_gqa();
    const MatrixXd keys = k.middleRows(kv_head * hd, hd);
    const MatrixXd values = v.middleRows(kv_head * hd, hd);
    for (int64_t t = 0; t < n_tok; ++t) {
      const int64_t pass_start = t / batch * batch;
      const int64_t pass_end = std::min(pass_start + batch, n_tok);
      const bool one_row = options.numerics == Numerics::kMatched &&
                           pass_end - pass_start < kernels::kPrefillMinTokens && pass_end < 512;
      if (one_row) {
        out.col(t).segment(h * hd, hd) =
            one_row_attention(q_rounded.col(t).segment(h * hd, hd), keys.leftCols(t + 1),
                              values.leftCols(t + 1), scale, options.kv == KvStore::kF16);
        continue;
      }
      const VectorXd scores =
          keys.leftCols(t + 1).transpose() * q.col(t).segment(h * hd, hd) * scale;
      const VectorXd p = (scores.array() - scores.maxCoeff()).exp();
      out.col(t).segment(h * hd, hd) = values.leftCols(t + 1) * p / p.sum();
    }
  }
  return out;
}

MatrixXd Oracle::states(const std::vector<int32_t>& tokens, const RunOptions& options) const {
  const int64_t n_tok = static_cast<int64_t>(tokens.size());
  const int64_t hd = hp_.head_dim;
  const int64_t nq = hp_.n_embd_q();
  const int64_t nkv = hp_.n_embd_kv();
  const int64_t n_ff = hp_.n_ff;
  const Numerics num = options.numerics;

  MatrixXd x(hp_.n_embd, n_tok);
  for (int64_t t = 0; t < n_tok; ++t) x.col(t) = get(TensorRole::kTokenEmbd).values.row(tokens[t]);
  for (int64_t layer = 0; layer < static_cast<int64_t>(hp_.n_layer); ++layer) {
    const auto vec = [&](TensorRole role) -> VectorXd {
      return get(role, layer).values.row(0).transpose();
    };
    const MatrixXd a = rmsnorm(x, vec(TensorRole::kAttnNorm));
    MatrixXd q, k, v;
    if (const Tensor* qkv = find(TensorRole::kAttnQkv, layer)) {
      const MatrixXd all = project(*qkv, a, num);
      q = all.topRows(nq);
      k = all.middleRows(nq, nkv);
      v = all.bottomRows(nkv);
    } else {
      q = project(get(TensorRole::kAttnQ, layer), a, num);
      k = project(get(TensorRole::kAttnK, layer), a, num);
      v = project(get(TensorRole::kAttnV, layer), a, num);
    }
    // qwen2's biases, right after the projections (before the per-head norm and RoPE).
    if (find(TensorRole::kAttnQBias, layer)) {
      q.colwise() += vec(TensorRole::kAttnQBias);
      k.colwise() += vec(TensorRole::kAttnKBias);
      v.colwise() += vec(TensorRole::kAttnVBias);
    }
    if (find(TensorRole::kAttnQNorm, layer)) {
      const VectorXd qn = vec(TensorRole::kAttnQNorm);
      const VectorXd kn = vec(TensorRole::kAttnKNorm);
      for (int64_t h = 0; h < static_cast<int64_t>(hp_.n_head); ++h)
        q.middleRows(h * hd, hd) = rmsnorm(q.middleRows(h * hd, hd), qn);
      for (int64_t h = 0; h < static_cast<int64_t>(hp_.n_head_kv); ++h)
        k.middleRows(h * hd, hd) = rmsnorm(k.middleRows(h * hd, hd), kn);
    }
    const bool nope = spec_->nope_layer_step > 0 && (layer + 1) % spec_->nope_layer_step == 0;
    if (!nope) {
      rope(q, hp_.n_head, options);
      rope(k, hp_.n_head_kv, options);
    }
    // phi3 scales Q before attention, the others the scores (the same product, rounded apart).
    double scale = 1.0 / std::sqrt(static_cast<double>(hd));
    if (spec_->scale_q) {
      q *= scale;
      scale = 1.0;
    }
    round_heads(k, hd, options.kv, k_block());
    round_heads(v, hd, options.kv, 64);
    x += project(get(TensorRole::kAttnOutput, layer), attention(q, k, v, scale, options), num);

    const MatrixXd f = rmsnorm(x, vec(TensorRole::kFfnNorm));
    MatrixXd gate, up;
    if (const Tensor* g = find(TensorRole::kFfnGate, layer)) {
      gate = project(*g, f, num);
      up = project(get(TensorRole::kFfnUp, layer), f, num);
    } else {
      const MatrixXd both = project(get(TensorRole::kFfnUp, layer), f, num);
      gate = both.topRows(n_ff);
      up = both.bottomRows(n_ff);
    }
    const MatrixXd silu = gate.array() / (1.0 + (-gate.array()).exp());
    x += project(get(TensorRole::kFfnDown, layer), silu.cwiseProduct(up), num);
  }
  return rmsnorm(x, get(TensorRole::kOutputNorm).values.row(0).transpose());
}

MatrixXd Oracle::logits(const std::vector<int32_t>& tokens, const RunOptions& options) const {
  const Tensor* output = find(TensorRole::kOutput);
  return project(output ? *output : get(TensorRole::kTokenEmbd), states(tokens, options),
                 options.numerics);
}

}  // namespace shoptalk::test::oracle
