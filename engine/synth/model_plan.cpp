#include "engine/synth/model_plan.h"

#include "formats/try.h"

namespace shoptalk::synth {

uint64_t ModelPlan::tensor_bytes() const {
  uint64_t total = 0;
  for (const PlannedTensor& t : tensors) total += t.data_bytes();
  return total;
}

Result<ModelPlan> plan_model(const SynthOptions& options) {
  const QuantPreset* quant = find_quant_preset(options.quant);
  if (!quant)
    return Error(ErrorCode::kInvalidArgument, "synth: unknown quantization '" + options.quant +
                                                  "' (see `shoptalk synth --list`)");
  ModelPlan plan;
  plan.quant = *quant;
  ST_ASSIGN_OR_RETURN(plan.shape, resolve_shape(options));
  ST_ASSIGN_OR_RETURN(plan.tensors, plan_tensors(plan.shape, quant->file_type));
  return plan;
}

}  // namespace shoptalk::synth
