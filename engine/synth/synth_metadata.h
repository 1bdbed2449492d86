// The GGUF metadata of a synthetic model, with the keys, types and order converted files of its
// family have (docs/models.md, with phi3's LongRoPE keys).
#pragma once

#include "engine/synth/model_plan.h"
#include "engine/synth/vocab_synth.h"
#include "formats/gguf_writer.h"

namespace shoptalk::synth {

void set_model_metadata(gguf::Writer& writer, const ModelPlan& plan);
void set_tokenizer_metadata(gguf::Writer& writer, SynthVocab vocab);

}  // namespace shoptalk::synth
