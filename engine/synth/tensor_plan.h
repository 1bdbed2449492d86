// The tensor list of a model as a converted and llama-quantize'd GGUF holds it (docs/models.md):
// the tensors of the architecture's ArchSpec (engine/model/arch_spec.h) the converter writes for
// this shape, in the order llama-quantize writes them (global tensors by name, then each layer's
// tensors by name), and every tensor's type under a quantization preset.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/arch_spec.h"
#include "engine/synth/presets.h"
#include "engine/synth/quant_mix.h"
#include "formats/ggml_type.h"
#include "shoptalk/result.hpp"

namespace shoptalk::synth {

struct PlannedTensor {
  std::string name;
  std::vector<int64_t> ne;  // ggml order, ne[0] contiguous
  GgmlType type = GgmlType::F32;
  engine::TensorInit init = engine::TensorInit::kMatrix;
  std::vector<float> values;  // the values of a kRopeFreqs tensor

  int64_t rows() const;
  uint64_t data_bytes() const;
};

Result<std::vector<PlannedTensor>> plan_tensors(const ModelShape& shape, FileType file_type);

}  // namespace shoptalk::synth
