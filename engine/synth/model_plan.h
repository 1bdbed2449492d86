// Everything a synthetic model file is made of, decided before any byte is written: the resolved
// shape, the quantization preset and every tensor with its type. Tests sum it to check sizes
// without writing files.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/synth/presets.h"
#include "engine/synth/quant_mix.h"
#include "engine/synth/tensor_plan.h"
#include "shoptalk/result.hpp"
#include "shoptalk/synth.hpp"

namespace shoptalk::synth {

struct ModelPlan {
  ModelShape shape;
  QuantPreset quant;
  std::vector<PlannedTensor> tensors;

  uint64_t tensor_bytes() const;  // sum of the tensors' data bytes (no alignment padding)
};

Result<ModelPlan> plan_model(const SynthOptions& options);

}  // namespace shoptalk::synth
