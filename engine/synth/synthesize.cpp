// shoptalk::synthesize_model and the preset / quantization listings (include/shoptalk/synth.hpp).
#include <cstdio>

#include "engine/synth/model_plan.h"
#include "engine/synth/random_weights.h"
#include "engine/synth/synth_metadata.h"
#include "engine/synth/vocab_synth.h"
#include "formats/gguf_writer.h"
#include "formats/try.h"
#include "shoptalk/synth.hpp"

namespace shoptalk {

std::vector<SynthPreset> synth_presets() {
  std::vector<SynthPreset> out;
  for (const synth::PresetEntry& p : synth::preset_table()) {
    out.push_back({p.name, std::string(p.model_name) + " (" + p.architecture + ", " +
                               std::to_string(p.n_layer) + " layers, n_embd " +
                               std::to_string(p.n_embd) + ")"});
  }
  return out;
}

std::vector<std::string> synth_quant_names() {
  std::vector<std::string> out;
  for (const synth::QuantPreset& q : synth::quant_presets()) out.push_back(q.name);
  return out;
}

Status synthesize_model(const SynthOptions& options, const std::string& path) {
  ST_ASSIGN_OR_RETURN(const synth::ModelPlan plan, synth::plan_model(options));
  ST_ASSIGN_OR_RETURN(
      synth::SynthVocab vocab,
      synth::synthesize_vocab(plan.shape.architecture, plan.shape.n_vocab, plan.shape.family));
  gguf::Writer writer;
  synth::set_model_metadata(writer, plan);
  synth::set_tokenizer_metadata(writer, std::move(vocab));
  const synth::WeightSource weights(options.seed, options.exact_random_weights);
  for (const synth::PlannedTensor& t : plan.tensors)
    ST_TRY(writer.add_tensor(t.name, t.type, t.ne, weights.row_fill(t)));
  Status written = writer.write_file(path);
  if (!written) std::remove(path.c_str());  // no half-written model left behind
  return written;
}

}  // namespace shoptalk
