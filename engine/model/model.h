// A loaded model: validated hyper-parameters and weights used in place from the GGUF mapping.
// Immutable after load; any number of sessions on any threads may share one Model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/model/arch_spec.h"
#include "engine/model/hparams.h"
#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct LayerWeights {
  const float* attn_norm = nullptr;
  bool fused_qkv = false;
  kernels::Weight wqkv;  // fused: rows Q, then K, then V
  kernels::Weight wq, wk, wv;
  const float* q_norm = nullptr;  // {head_dim}, only with spec.qk_norm
  const float* k_norm = nullptr;
  kernels::Weight wo;
  const float* ffn_norm = nullptr;
  kernels::Weight gate;  // absent (rows 0) with spec.fused_gate_up
  kernels::Weight up;    // fused: 2·n_ff rows, gate first
  kernels::Weight down;
  bool use_rope = true;  // false on the NoPE layers
};

struct LoadOptions {
  // The kernel table to run on; nullptr: the level chosen by SHOPTALK_ISA / the CPU.
  const kernels::KernelTable* kernels = nullptr;
};

class Model {
 public:
  static Result<std::shared_ptr<const Model>> load(const std::string& path,
                                                   const LoadOptions& options = {});
  static Result<std::shared_ptr<const Model>> from_gguf(gguf::GgufFile file,
                                                        const LoadOptions& options = {});

  const ArchSpec& arch() const { return *arch_; }
  const HParams& hparams() const { return hparams_; }
  const kernels::KernelTable& kernels() const { return *kernels_; }
  const gguf::GgufFile& file() const { return file_; }

  const std::vector<LayerWeights>& layers() const { return layers_; }
  const gguf::TensorInfo& token_embd() const { return *token_embd_; }
  const float* output_norm() const { return output_norm_; }
  const kernels::Weight& output() const { return output_; }
  // LongRoPE factors ({n_rot/2}); nullptr when the file has none.
  const float* rope_factors_long() const { return rope_factors_long_; }
  const float* rope_factors_short() const { return rope_factors_short_; }

  // Bytes of tensor data the model reads (mapped, not copied).
  size_t weight_bytes() const { return weight_bytes_; }
  // The activation types the model's matmuls convert their inputs to.
  const std::vector<GgmlType>& activation_types() const { return activation_types_; }

  // Converts row `token` of the embedding table to floats (n_embd of them).
  void embed(int32_t token, float* out) const;

 private:
  Model() = default;
  friend class ModelLoader;

  gguf::GgufFile file_;
  const ArchSpec* arch_ = nullptr;
  HParams hparams_;
  const kernels::KernelTable* kernels_ = nullptr;
  std::vector<LayerWeights> layers_;
  const gguf::TensorInfo* token_embd_ = nullptr;
  const float* output_norm_ = nullptr;
  kernels::Weight output_;
  const float* rope_factors_long_ = nullptr;
  const float* rope_factors_short_ = nullptr;
  size_t weight_bytes_ = 0;
  std::vector<GgmlType> activation_types_;
};

// Checks the file's architecture and reads its hyper-parameters without loading weights.
Result<std::pair<const ArchSpec*, HParams>> read_model_header(const gguf::GgufFile& file);

}  // namespace shoptalk::engine
