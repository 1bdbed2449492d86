#include "engine/model/model.h"

#include <algorithm>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "engine/model/weight_layout.h"
#include "formats/quant_table.h"
#include "formats/try.h"
#include "kernels/packed_layout.h"

namespace shoptalk::engine {

namespace {

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
    const ArchSpec& spec = *m_.arch_;
    ST_TRY(check_tensor_names(file_, spec, hp));
    const char* embd_name = spec.find(TensorRole::kTokenEmbd)->name;
    const gguf::TensorInfo* embd = file_.find_tensor(embd_name);
    if (!embd) return missing(embd_name);
    ST_TRY(check_shape(*embd, 2, hp.n_embd, hp.n_vocab));
    const QuantTypeInfo* embd_info = quant_type_info(static_cast<int32_t>(embd->type));
    if (!embd_info || !embd_info->dequantize_row)
      return Error(ErrorCode::kUnsupported, "model tensor '" + std::string(embd_name) +
                                                "' has type " + type_name(embd->type) +
                                                ", which shoptalk cannot read");
    m_.token_embd_ = embd;
    m_.embedding_ = kernels::Weight{embd->type, hp.n_vocab, hp.n_embd, embd->data,
                                    row_size(*embd_info, hp.n_embd)};
    m_.weight_bytes_ += embd->nbytes;

    for (const TensorSpec& t : spec.tensors)
      if (!t.per_layer() && t.role != TensorRole::kTokenEmbd) ST_TRY(load_tensor(t, 0, nullptr));
    // Without an output projection the embeddings are the output (tied).
    if (m_.output_.rows == 0) {
      ST_ASSIGN_OR_RETURN(m_.output_, matrix_from(*embd, hp.n_embd, hp.n_vocab, false));
    }

    m_.layers_.resize(hp.n_layer);
    for (uint32_t l = 0; l < hp.n_layer; ++l) ST_TRY(load_layer(l));
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
  // Where the tensor of a role goes: a weight matrix or a float vector of the model or of `layer`.
  struct Slot {
    kernels::Weight* matrix = nullptr;
    const float** vector = nullptr;
  };

  // `w` is the layer of a per-layer tensor (nullptr for the others).
  Slot slot(TensorRole role, LayerWeights* w) {
    switch (role) {
      case TensorRole::kTokenEmbd:
        return {};  // read by Model::embed, checked in load()
      case TensorRole::kOutputNorm:
        return {nullptr, &m_.output_norm_};
      case TensorRole::kOutput:
        return {&m_.output_, nullptr};
      case TensorRole::kRopeFactorsLong:
        return {nullptr, &m_.rope_factors_long_};
      case TensorRole::kRopeFactorsShort:
        return {nullptr, &m_.rope_factors_short_};
      case TensorRole::kRopeFreqs:
        return {nullptr, &m_.rope_freqs_};
      case TensorRole::kAttnNorm:
        return {nullptr, &w->attn_norm};
      case TensorRole::kAttnQ:
        return {&w->wq, nullptr};
      case TensorRole::kAttnK:
        return {&w->wk, nullptr};
      case TensorRole::kAttnV:
        return {&w->wv, nullptr};
      case TensorRole::kAttnQkv:
        return {&w->wqkv, nullptr};
      case TensorRole::kAttnQBias:
        return {nullptr, &w->q_bias};
      case TensorRole::kAttnKBias:
        return {nullptr, &w->k_bias};
      case TensorRole::kAttnVBias:
        return {nullptr, &w->v_bias};
      case TensorRole::kAttnQNorm:
        return {nullptr, &w->q_norm};
      case TensorRole::kAttnKNorm:
        return {nullptr, &w->k_norm};
      case TensorRole::kAttnOutput:
        return {&w->wo, nullptr};
      case TensorRole::kFfnNorm:
        return {nullptr, &w->ffn_norm};
      case TensorRole::kFfnGate:
        return {&w->gate, nullptr};
      case TensorRole::kFfnUp:
        return {&w->up, nullptr};
      case TensorRole::kFfnDown:
        return {&w->down, nullptr};
    }
    return {};
  }

  // Loads `t` (named `name` in this layer) into its slot when the file's layout has it.
  Status load_tensor(const TensorSpec& t, int64_t l, LayerWeights* layer) {
    if (!loads_tensor(file_, *m_.arch_, t, l)) return {};
    const std::string name = t.name_in(l);
    const HParams& hp = m_.hparams_;
    const Slot s = slot(t.role, layer);
    if (s.matrix) {
      ST_ASSIGN_OR_RETURN(*s.matrix,
                          matrix(name, dim_size(t.shape.ne[0], hp), dim_size(t.shape.ne[1], hp)));
    } else if (s.vector) {
      ST_ASSIGN_OR_RETURN(*s.vector, vector(name, dim_size(t.shape.ne[0], hp)));
    }
    return {};
  }

  // The layer's tensors of the file's layout (either one loads; the spec's preferred one names the
  // missing tensor in the error).
  Status load_layer(uint32_t l) {
    const ArchSpec& spec = *m_.arch_;
    LayerWeights& w = m_.layers_[l];
    for (const TensorSpec& t : spec.tensors)
      if (t.per_layer()) ST_TRY(load_tensor(t, l, &w));
    w.fused_qkv = w.wqkv.rows > 0;
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
                     "' is not supported (supported: " + supported_architectures() + ")");
  ST_ASSIGN_OR_RETURN(HParams hp, load_hparams(file, *spec));
  return std::make_pair(spec, hp);
}

Status check_tensor_names(const gguf::GgufFile& file, const ArchSpec& spec, const HParams& hp) {
  std::unordered_set<std::string> listed;
  for (const TensorSpec& t : spec.tensors) {
    if (!t.per_layer()) listed.insert(t.name);
    for (uint32_t l = 0; t.per_layer() && l < hp.n_layer; ++l) listed.insert(t.name_in(l));
  }
  for (const gguf::TensorInfo& t : file.tensors()) {
    if (!listed.count(std::string(t.name)))
      return Error(ErrorCode::kUnsupported, "model tensor '" + std::string(t.name) +
                                                "' is not supported by shoptalk for " +
                                                std::string(spec.name));
  }
  return {};
}

bool loads_tensor(const gguf::GgufFile& file, const ArchSpec& spec, const TensorSpec& t,
                  int64_t layer) {
  const auto present = [&](const TensorSpec* s) {
    return s && file.find_tensor(s->name_in(layer));
  };
  const auto first = [&spec](Presence presence) -> const TensorSpec* {
    for (const TensorSpec& s : spec.tensors)
      if (s.presence == presence) return &s;
    return nullptr;
  };
  const bool alternative_layout =
      present(first(Presence::kAlternative)) && !present(first(Presence::kPreferred));
  switch (t.presence) {
    case Presence::kRequired:
      return true;
    case Presence::kOptional:
      return present(&t);
    case Presence::kPreferred:
      return !alternative_layout;
    case Presence::kAlternative:
      return alternative_layout;
  }
  return false;
}

Result<std::shared_ptr<Model>> Model::load(const std::string& path, const LoadOptions& options) {
  ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  return from_gguf(std::move(file), options);
}

Result<std::shared_ptr<Model>> Model::from_gguf(gguf::GgufFile file, const LoadOptions& options) {
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
  return model;
}

std::vector<const kernels::Weight*> Model::matrices() const {
  std::vector<const kernels::Weight*> out;
  for_each_matrix(*this, [&](const kernels::Weight& w) { out.push_back(&w); });
  return out;
}

ScratchShape Model::scratch_shape() const {
  ScratchShape shape;
  shape.hp = hparams_;
  shape.fused_qkv = std::any_of(layers_.begin(), layers_.end(),
                                [](const LayerWeights& w) { return w.fused_qkv; });
  shape.fused_gate_up = arch_->fused_gate_up();
  shape.activation_types = activation_types_;
  shape.embed_row_bytes = embedding_.row_bytes;
  shape.thread_scratch = kernels::attention_tile_scratch_bytes(hparams_.head_dim);
  for_each_matrix(*this, [&](const kernels::Weight& w) {
    shape.thread_scratch =
        std::max(shape.thread_scratch, kernels::matmul_scratch_bytes(*kernels_, w.type, w.cols));
  });
  return shape;
}

void Model::embed(int32_t token, float* out, uint8_t* row) const {
  const kernels::Weight& e = embedding_;
  const QuantTypeInfo& info = quant_type_info(e.type);
  if (!e.packed) {
    info.dequantize_row(e.row(token), out, e.cols);
    return;
  }
  kernels::unpack_panel_row(kernels::panel_shape(e.type, e.rows, e.cols), e.data, token, row);
  info.dequantize_row(row, out, e.cols);
}

}  // namespace shoptalk::engine
