// What the public Model and Session handles hold (engine/api only).
#pragma once

#include <memory>
#include <optional>

#include "engine/model/model.h"
#include "engine/model/session.h"
#include "engine/tokenizer/tokenizer.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

struct Model::Impl {
  ModelOptions options;
  ModelInfo info;
  std::shared_ptr<const engine::Model> model;  // null for a vocab-only load
  std::optional<gguf::GgufFile> vocab_file;    // the file of a vocab-only load
  std::optional<engine::Tokenizer> tokenizer;
  MemoryPlan memory;
};

struct Session::Impl {
  std::shared_ptr<const Model::Impl> model;
  std::unique_ptr<engine::Session> session;
};

namespace api {
GgmlType kv_ggml_type(KvType type);
uint32_t default_context(const engine::HParams& hp, int requested);
}  // namespace api

}  // namespace shoptalk
