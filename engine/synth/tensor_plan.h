// The tensor list of a model as a converted and llama-quantize'd GGUF holds it
// (docs/models.md): names from the architecture's ArchSpec, shapes from the hyper-parameters,
// the order llama-quantize writes (global tensors by name, then each layer's tensors by name), and
// every tensor's type under a quantization preset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/synth/presets.h"
#include "engine/synth/quant_mix.h"
#include "formats/ggml_type.h"
#include "shoptalk/result.hpp"

namespace shoptalk::synth {

// How a tensor's values are made up.
enum class WeightInit {
  kMatrix,            // Gaussian, std 0.02
  kNorm,              // Gaussian around 1
  kRopeFactorsShort,  // LongRoPE factors: smooth, from 1 upwards
  kRopeFactorsLong,
};

struct PlannedTensor {
  std::string name;
  std::vector<int64_t> ne;  // ggml order, ne[0] contiguous
  GgmlType type = GgmlType::F32;
  WeightInit init = WeightInit::kMatrix;

  int64_t rows() const;
  uint64_t data_bytes() const;
};

Result<std::vector<PlannedTensor>> plan_tensors(const ModelShape& shape, FileType file_type);

}  // namespace shoptalk::synth
