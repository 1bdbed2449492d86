#include "engine/model/model.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "engine/model/weight_layout.h"
#include "formats/quant_table.h"
#include "formats/try.h"
#include "kernels/packed_layout.h"

namespace shoptalk::engine {

namespace {

std::string layer_name(const char* pattern, int layer) {
  char buf[128];
  std::snprintf(buf, sizeof buf, pattern, layer);
  return buf;
}

std::string shape_string(const gguf::TensorInfo& t) {
  std::string s = "[";
  for (int d = 0; d < t.n_dims; ++d) s += (d ? ", " : "") + std::to_string(t.ne[d]);
  return s + "]";
}

const char* type_name(GgmlType type) {
  const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(type));
  return info && info->name ? info->name : "unknown";
}

Error missing(const std::string& name) {
  return Error(ErrorCode::kMalformedFile, "model tensor '" + name + "' is missing");
}

Status check_shape(const gguf::TensorInfo& t, int n_dims, int64_t ne0, int64_t ne1) {
  const bool ok =
      t.n_dims == n_dims && t.ne[0] == ne0 && t.ne[1] == ne1 && t.ne[2] == 1 && t.ne[3] == 1;
  if (ok) return {};
  std::string expected = "[" + std::to_string(ne0);
  if (n_dims == 2) expected += ", " + std::to_string(ne1);
  expected += "]";
  return Error(ErrorCode::kMalformedFile, "model tensor '" + std::string(t.name) + "' has shape " +
                                              shape_string(t) + ", expected " + expected);
}

}  // namespace

// Resolves and checks every tensor the spec needs, filling a Model.
class ModelLoader {
 public:
  ModelLoader(Model& model) : m_(model), file_(model.file_) {}

  Status load() {
    const HParams& hp = m_.hparams_;
    const TensorNames& names = m_.arch_->tensors;
    ST_TRY(reject_unsupported_tensors());
    const gguf::TensorInfo* embd = file_.find_tensor(names.token_embd);
    if (!embd) return missing(names.token_embd);
    ST_TRY(check_shape(*embd, 2, hp.n_embd, hp.n_vocab));
    const QuantTypeInfo* embd_info = quant_type_info(static_cast<int32_t>(embd->type));
    if (!embd_info || !embd_info->dequantize_row)
      return Error(ErrorCode::kUnsupported, "model tensor '" + std::string(names.token_embd) +
                                                "' has type " + type_name(embd->type) +
                                                ", which shoptalk cannot read");
    m_.token_embd_ = embd;
    m_.embedding_ = kernels::Weight{embd->type, hp.n_vocab, hp.n_embd, embd->data,
                                    row_size(*embd_info, hp.n_embd)};
    m_.weight_bytes_ += embd->nbytes;

    ST_ASSIGN_OR_RETURN(m_.output_norm_, vector(names.output_norm, hp.n_embd));
    if (file_.find_tensor(names.output) || !m_.arch_->tied_embeddings) {
      ST_ASSIGN_OR_RETURN(m_.output_, matrix(names.output, hp.n_embd, hp.n_vocab));
    } else {
      ST_ASSIGN_OR_RETURN(m_.output_, matrix_from(*embd, hp.n_embd, hp.n_vocab, false));
    }

    if (m_.arch_->longrope) {
      if (file_.find_tensor(names.rope_factors_long)) {
        ST_ASSIGN_OR_RETURN(m_.rope_factors_long_, vector(names.rope_factors_long, hp.n_rot / 2));
      }
      if (file_.find_tensor(names.rope_factors_short)) {
        ST_ASSIGN_OR_RETURN(m_.rope_factors_short_, vector(names.rope_factors_short, hp.n_rot / 2));
      }
    }

    m_.layers_.resize(hp.n_layer);
    for (uint32_t l = 0; l < hp.n_layer; ++l) ST_TRY(load_layer(static_cast<int>(l)));
    return {};
  }

  Status arrange(bool repack) {
    std::vector<kernels::Weight*> weights;
    Model::for_each_matrix(m_, [&](kernels::Weight& w) { weights.push_back(&w); });
    // Tied embeddings share the output projection's copy (and layout).
    if (m_.embedding_.data == m_.output_.data) weights.push_back(&m_.embedding_);
    // Read before any weight is released (see copy_vectors).
    if (repack && file_.file().is_mapped()) copy_vectors();
    ST_TRY(arrange_weights(file_, *m_.kernels_, repack ? Repack::kIfMapped : Repack::kNever,
                           weights, m_.weight_copies_));
    if (m_.weight_copies_) release_unread_tensors();
    return {};
  }

  // Reading a norm in place after the weights around it were released would map the whole
  // page-cache folio holding it again (up to 2 MiB of released weights each): the vectors of a
  // model that may be repacked are copied (a few hundred KiB) before anything is released.
  void copy_vectors() {
    std::unordered_map<const float*, size_t> size_of;
    for (const gguf::TensorInfo& t : file_.tensors())
      size_of.emplace(reinterpret_cast<const float*>(t.data), static_cast<size_t>(t.n_elements()));
    std::vector<const float**> fields;
    size_t total = 0;
    m_.for_each_vector([&](const float*& v) {
      fields.push_back(&v);
      total += size_of.at(v);
    });
    m_.vector_copies_.resize(total);
    float* dst = m_.vector_copies_.data();
    for (const float** v : fields) {
      const size_t n = size_of.at(*v);
      std::copy(*v, *v + n, dst);
      *v = dst;
      dst += n;
    }
  }

  // Releases the pages of every tensor the model no longer reads from the mapping (the vectors'
  // and the weights' again: reading the vectors mapped the folios around them).
  void release_unread_tensors() {
    std::unordered_map<const uint8_t*, bool> in_place;
    Model::for_each_matrix(m_, [&](const kernels::Weight& w) { in_place[w.data] = true; });
    in_place[m_.embedding_.data] = true;
    for (const gguf::TensorInfo& t : file_.tensors())
      if (!in_place.count(t.data)) file_.file().release(t.data, t.nbytes);
  }

 private:
  // Tensors the forward pass would otherwise ignore silently: biases, per-tensor scales and
  // Llama-3.1-style frequency factors are not implemented.
  Status reject_unsupported_tensors() const {
    for (const gguf::TensorInfo& t : file_.tensors()) {
      const std::string_view name = t.name;
      const auto ends_with = [&](std::string_view suffix) {
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
      };
      if (ends_with(".bias") || ends_with(".scale") || name == "rope_freqs.weight")
        return Error(ErrorCode::kUnsupported,
                     "model tensor '" + std::string(name) + "' is not supported by shoptalk");
    }
    return {};
  }

  Status load_layer(int l) {
    const HParams& hp = m_.hparams_;
    const ArchSpec& spec = *m_.arch_;
    const TensorNames& n = spec.tensors;
    LayerWeights& w = m_.layers_[static_cast<size_t>(l)];
    const int64_t q_rows = hp.n_embd_q();
    const int64_t kv_rows = hp.n_embd_kv();

    ST_ASSIGN_OR_RETURN(w.attn_norm, vector(layer_name(n.attn_norm, l), hp.n_embd));
    const std::string qkv_name = layer_name(n.attn_qkv, l);
    const std::string q_name = layer_name(n.attn_q, l);
    // Either layout loads; the spec's usual one names the missing tensor in the error.
    const bool has_fused = file_.find_tensor(qkv_name) != nullptr;
    const bool has_split = file_.find_tensor(q_name) != nullptr;
    w.fused_qkv = has_fused || (spec.fused_qkv && !has_split);
    if (w.fused_qkv) {
      ST_ASSIGN_OR_RETURN(w.wqkv, matrix(qkv_name, hp.n_embd, q_rows + 2 * kv_rows));
    } else {
      ST_ASSIGN_OR_RETURN(w.wq, matrix(q_name, hp.n_embd, q_rows));
      ST_ASSIGN_OR_RETURN(w.wk, matrix(layer_name(n.attn_k, l), hp.n_embd, kv_rows));
      ST_ASSIGN_OR_RETURN(w.wv, matrix(layer_name(n.attn_v, l), hp.n_embd, kv_rows));
    }
    if (spec.qk_norm) {
      ST_ASSIGN_OR_RETURN(w.q_norm, vector(layer_name(n.attn_q_norm, l), hp.head_dim));
      ST_ASSIGN_OR_RETURN(w.k_norm, vector(layer_name(n.attn_k_norm, l), hp.head_dim));
    }
    ST_ASSIGN_OR_RETURN(w.wo, matrix(layer_name(n.attn_output, l), q_rows, hp.n_embd));
    ST_ASSIGN_OR_RETURN(w.ffn_norm, vector(layer_name(n.ffn_norm, l), hp.n_embd));
    if (spec.fused_gate_up) {
      ST_ASSIGN_OR_RETURN(w.up, matrix(layer_name(n.ffn_up, l), hp.n_embd, 2 * int64_t{hp.n_ff}));
    } else {
      ST_ASSIGN_OR_RETURN(w.gate, matrix(layer_name(n.ffn_gate, l), hp.n_embd, hp.n_ff));
      ST_ASSIGN_OR_RETURN(w.up, matrix(layer_name(n.ffn_up, l), hp.n_embd, hp.n_ff));
    }
    ST_ASSIGN_OR_RETURN(w.down, matrix(layer_name(n.ffn_down, l), hp.n_ff, hp.n_embd));
    w.use_rope = spec.nope_layer_step == 0 || (l + 1) % spec.nope_layer_step != 0;
    return {};
  }

  // A 1-D F32 tensor of n elements, used in place.
  Result<const float*> vector(const std::string& name, int64_t n) {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (!t) return missing(name);
    ST_TRY(check_shape(*t, 1, n, 1));
    if (t->type != GgmlType::F32)
      return Error(ErrorCode::kUnsupported,
                   "model tensor '" + name + "' has type " + type_name(t->type) + ", expected f32");
    if (reinterpret_cast<uintptr_t>(t->data) % alignof(float) != 0)
      return Error(ErrorCode::kMalformedFile, "model tensor '" + name + "' is not 4-byte aligned");
    m_.weight_bytes_ += t->nbytes;
    return reinterpret_cast<const float*>(t->data);
  }

  Result<kernels::Weight> matrix(const std::string& name, int64_t cols, int64_t rows) {
    const gguf::TensorInfo* t = file_.find_tensor(name);
    if (!t) return missing(name);
    return matrix_from(*t, cols, rows, true);
  }

  Result<kernels::Weight> matrix_from(const gguf::TensorInfo& t, int64_t cols, int64_t rows,
                                      bool count_bytes) {
    ST_TRY(check_shape(t, 2, cols, rows));
    const kernels::TypeKernels& tk = m_.kernels_->types[static_cast<int>(t.type)];
    const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(t.type));
    if (!tk.vec_dot || !info || info->block_size == 0)
      return Error(ErrorCode::kUnsupported, "model tensor '" + std::string(t.name) + "' has type " +
                                                type_name(t.type) +
                                                ", which shoptalk cannot multiply");
    if (cols % info->block_size != 0 || cols % quant_type_info(tk.vec_dot_type).block_size != 0)
      return Error(ErrorCode::kMalformedFile, "model tensor '" + std::string(t.name) +
                                                  "' has rows of " + std::to_string(cols) +
                                                  " elements, not a multiple of its block size");
    const size_t row_bytes = row_size(*info, cols);
    if (t.nbytes < row_bytes * static_cast<size_t>(rows))
      return Error(ErrorCode::kMalformedFile,
                   "model tensor '" + std::string(t.name) + "' holds too few bytes");
    if (count_bytes) m_.weight_bytes_ += t.nbytes;
    auto& types = m_.activation_types_;
    if (std::find(types.begin(), types.end(), tk.vec_dot_type) == types.end())
      types.push_back(tk.vec_dot_type);
    return kernels::Weight{t.type, rows, cols, t.data, row_bytes};
  }

  Model& m_;
  const gguf::GgufFile& file_;
};

Result<std::pair<const ArchSpec*, HParams>> read_model_header(const gguf::GgufFile& file) {
  ST_ASSIGN_OR_RETURN(const std::string_view arch_name, file.get_string("general.architecture"));
  const ArchSpec* spec = find_arch_spec(arch_name);
  if (!spec)
    return Error(ErrorCode::kUnsupported,
                 "model architecture '" + std::string(arch_name) +
                     "' is not supported (supported: qwen3, llama, phi3, smollm3)");
  ST_ASSIGN_OR_RETURN(HParams hp, load_hparams(file, *spec));
  return std::make_pair(spec, hp);
}

Result<std::shared_ptr<const Model>> Model::load(const std::string& path,
                                                 const LoadOptions& options) {
  ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  return from_gguf(std::move(file), options);
}

Result<std::shared_ptr<const Model>> Model::from_gguf(gguf::GgufFile file,
                                                      const LoadOptions& options) {
  std::shared_ptr<Model> model(new Model());
  if (options.kernels) {
    model->kernels_ = options.kernels;
  } else {
    ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
    ST_ASSIGN_OR_RETURN(model->kernels_, kernels::kernels_for(isa));
  }
  model->file_ = std::move(file);
  ST_ASSIGN_OR_RETURN(auto header, read_model_header(model->file_));
  model->arch_ = header.first;
  model->hparams_ = header.second;
  ModelLoader loader(*model);
  ST_TRY(loader.load());
  ST_TRY(loader.arrange(options.repack));
  return std::shared_ptr<const Model>(std::move(model));
}

std::vector<const kernels::Weight*> Model::matrices() const {
  std::vector<const kernels::Weight*> out;
  for_each_matrix(*this, [&](const kernels::Weight& w) { out.push_back(&w); });
  return out;
}

void Model::embed(int32_t token, float* out) const {
  const kernels::Weight& e = embedding_;
  const QuantTypeInfo& info = quant_type_info(e.type);
  if (!e.packed) {
    info.dequantize_row(e.row(token), out, e.cols);
    return;
  }
  std::vector<uint8_t> row(e.row_bytes);
  kernels::unpack_panel_row(kernels::panel_shape(e.type, e.rows, e.cols), e.data, token,
                            row.data());
  info.dequantize_row(row.data(), out, e.cols);
}

}  // namespace shoptalk::engine
