// Fills the public ModelInfo from a parsed file and its validated hyper-parameters (shared by
// Model::load and inspect_file).
#pragma once

#include "engine/model/arch_spec.h"
#include "engine/model/hparams.h"
#include "formats/gguf.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::api {

ModelInfo describe_model(const gguf::GgufFile& file, const engine::ArchSpec& spec,
                         const engine::HParams& hp);

// Tensor bytes per ggml type name, sorted by name.
std::vector<std::pair<std::string, uint64_t>> bytes_per_type(const gguf::GgufFile& file);

}  // namespace shoptalk::api
