// A loaded model: validated hyper-parameters and weights, used in place from the GGUF mapping or
// copied into the kernels' packed layout at load (engine/model/weight_layout.h). Immutable after
// load; any number of sessions on any threads may share one Model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/arch_spec.h"
#include "engine/model/hparams.h"
#include "engine/model/weight_layout.h"
#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

// One layer's weights, filled from the spec's tensors by role (absent: rows 0 or nullptr).
struct LayerWeights {
  const float* attn_norm = nullptr;
  bool fused_qkv = false;
  kernels::Weight wqkv;  // fused: rows Q, then K, then V
  kernels::Weight wq, wk, wv;
  const float* q_bias = nullptr;  // {n_embd_q}, {n_embd_kv} x2 (qwen2)
  const float* k_bias = nullptr;
  const float* v_bias = nullptr;
  const float* q_norm = nullptr;  // {head_dim}, only with spec.qk_norm()
  const float* k_norm = nullptr;
  kernels::Weight wo;
  const float* ffn_norm = nullptr;
  kernels::Weight gate;  // absent with spec.fused_gate_up()
  kernels::Weight up;    // fused: 2·n_ff rows, gate first
  kernels::Weight down;
  bool use_rope = true;  // false on the NoPE layers
};

// What a forward pass's working memory depends on, from a loaded model (Model::scratch_shape) or
// from a file's header before loading (plan_memory); ForwardBuffers sizes itself from it.
struct ScratchShape {
  HParams hp;
  bool fused_qkv = false;
  bool fused_gate_up = false;
  std::vector<GgmlType> activation_types;  // the types the matmuls convert their inputs to
  size_t embed_row_bytes = 0;              // one row of the token-embedding table
  // Per thread: the largest matmul_scratch_bytes of the matrices and the attention tiles' scratch.
  size_t thread_scratch = 0;
};

struct LoadOptions {
  // The kernel table to run on; nullptr: the level chosen by SHOPTALK_ISA / the CPU.
  const kernels::KernelTable* kernels = nullptr;
  // Whether row-major weights of a mapped file are copied into the table's packed layout.
  bool repack = true;
};

class Model {
 public:
  static Result<std::shared_ptr<Model>> load(const std::string& path,
                                             const LoadOptions& options = {});
  static Result<std::shared_ptr<Model>> from_gguf(gguf::GgufFile file,
                                                  const LoadOptions& options = {});

  // Frees the file's metadata (GgufFile::release_metadata) once the caller has read what it keeps
  // from it (the tokenizer, the chat template): the model itself keeps nothing there.
  void release_metadata() { file_.release_metadata(); }

  const ArchSpec& arch() const { return *arch_; }
  const HParams& hparams() const { return hparams_; }
  const kernels::KernelTable& kernels() const { return *kernels_; }
  const gguf::GgufFile& file() const { return file_; }

  const std::vector<LayerWeights>& layers() const { return layers_; }
  const gguf::TensorInfo& token_embd() const { return *token_embd_; }
  const float* output_norm() const { return output_norm_; }
  const kernels::Weight& output() const { return output_; }
  // Every weight matrix: the output projection, then each layer's present ones.
  std::vector<const kernels::Weight*> matrices() const;
  // LongRoPE factors ({n_rot/2}); nullptr when the file has none.
  const float* rope_factors_long() const { return rope_factors_long_; }
  const float* rope_factors_short() const { return rope_factors_short_; }
  // Llama-3 frequency factors ({n_rot/2}); nullptr when the file has none.
  const float* rope_freqs() const { return rope_freqs_; }

  // What a session's forward-pass buffers are sized by.
  ScratchShape scratch_shape() const;

  // Bytes of tensor data the model reads (mapped, or packed copies of the same size).
  size_t weight_bytes() const { return weight_bytes_; }
  // The activation types the model's matmuls convert their inputs to.
  const std::vector<GgmlType>& activation_types() const { return activation_types_; }

  // Converts row `token` of the embedding table to floats (n_embd of them); `row` holds
  // embed_row_bytes() for a packed table's row on its way.
  void embed(int32_t token, float* out, uint8_t* row) const;
  size_t embed_row_bytes() const { return embedding_.row_bytes; }

 private:
  Model() = default;
  friend class ModelLoader;

  template <class Self, class F>
  static void for_each_matrix(Self& self, F f) {
    f(self.output_);
    for (auto& l : self.layers_)
      for (auto* w : {&l.wqkv, &l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down})
        if (w->rows > 0) f(*w);
  }
  // Every F32 vector read in place (norms, RoPE factors), as the pointer fields that hold them.
  template <class F>
  void for_each_vector(F f) {
    for (const float** v : {&output_norm_, &rope_factors_long_, &rope_factors_short_, &rope_freqs_})
      if (*v) f(*v);
    for (LayerWeights& l : layers_)
      for (const float** v :
           {&l.attn_norm, &l.q_bias, &l.k_bias, &l.v_bias, &l.q_norm, &l.k_norm, &l.ffn_norm})
        if (*v) f(*v);
  }

  gguf::GgufFile file_;
  const ArchSpec* arch_ = nullptr;
  HParams hparams_;
  const kernels::KernelTable* kernels_ = nullptr;
  std::vector<LayerWeights> layers_;
  const gguf::TensorInfo* token_embd_ = nullptr;
  kernels::Weight embedding_;  // token_embd_'s rows; packed with the output it is tied to
  const float* output_norm_ = nullptr;
  kernels::Weight output_;
  const float* rope_factors_long_ = nullptr;
  const float* rope_factors_short_ = nullptr;
  const float* rope_freqs_ = nullptr;
  size_t weight_bytes_ = 0;
  std::vector<GgmlType> activation_types_;
  WeightCopy weight_copies_;          // the weights not used in place
  std::vector<float> vector_copies_;  // the vectors, when the weights were copied
};

// Checks the file's architecture and reads its hyper-parameters without loading weights.
Result<std::pair<const ArchSpec*, HParams>> read_model_header(const gguf::GgufFile& file);

// Every tensor of the file is one the spec lists for these hyper-parameters: a bias, a scale or a
// layer beyond the block count would otherwise be ignored silently by the forward pass.
Status check_tensor_names(const gguf::GgufFile& file, const ArchSpec& spec, const HParams& hp);

// Whether the loader reads tensor `t` of the spec in `layer` of the file (any layer for a global
// tensor): required tensors always, optional ones when present, and the tensors of the layer's
// layout (the alternative one when the file has its first tensor and not the preferred's).
bool loads_tensor(const gguf::GgufFile& file, const ArchSpec& spec, const TensorSpec& t,
                  int64_t layer);

}  // namespace shoptalk::engine
