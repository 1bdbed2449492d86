// Shared by the API tests: the shipped demo model (a trained Qwen3-architecture model, loaded
// once) and small conveniences.
#pragma once

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "shoptalk/shoptalk.hpp"
#include "shoptalk/synth.hpp"
#include "test_support.h"

namespace shoptalk::test {

inline const Model& demo_model() {
  static const Model model = [] {
    auto m = Model::load(SHOPTALK_DEMO_MODEL);
    if (!m) FAIL(m.error().message());
    return *m;
  }();
  return model;
}

inline Session new_session(const Model& model, int threads = 1, int context = 0) {
  SessionOptions options;
  options.threads = threads;
  options.context = context;
  auto session = Session::create(model, options);
  if (!session) FAIL(session.error().message());
  return std::move(session).value();
}

// The synth options of a small random-weight model of a chat family ("qwen3", "phi4-mini") with
// that family's vocabulary and special tokens (<think>, <tool_call>, ...) in a 2048-token
// vocabulary.
inline SynthOptions random_chat_synth(const std::string& architecture, const std::string& family) {
  SynthOptions synth;
  synth.architecture = architecture;
  synth.family = family;
  synth.n_embd = 64;
  synth.n_layer = 2;
  synth.n_head = 2;
  synth.n_head_kv = 1;
  synth.n_ff = 128;
  synth.n_vocab = 2048;
  synth.context = 2048;
  synth.quant = "q8_0";
  return synth;
}

// That model, loaded.
inline Model random_chat_model(const std::string& architecture, const std::string& family) {
  const std::string path = temp_path("random-" + family + ".gguf");
  if (!synthesize_model(random_chat_synth(architecture, family), path))
    FAIL("cannot synthesize a " + family + " model");
  auto model = Model::load(path);
  std::remove(path.c_str());
  if (!model) FAIL(model.error().message());
  return std::move(model).value();
}

// A synthetic Qwen3-0.6B Q4_0 (its real shapes, random weights) written to a temporary file named
// `name`, which the caller removes.
inline std::string synthetic_qwen3_q4_0(const std::string& name) {
  SynthOptions synth;
  synth.preset = "qwen3-0.6b";
  synth.quant = "q4_0";
  const std::string path = temp_path(name);
  if (!synthesize_model(synth, path)) FAIL("cannot synthesize " + name);
  return path;
}

inline const char* kSystem =
    "You are ShopTalk, an equipment-diagnostics assistant for factory technicians. Answer "
    "briefly, put safety first and give concrete checks.";

inline GenerateOptions greedy(int max_tokens) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling = SamplingOptions::greedy();
  return o;
}

inline std::vector<Token> ids_of(const Generation& g) {
  std::vector<Token> ids;
  for (const GeneratedToken& t : g.tokens) ids.push_back(t.token);
  return ids;
}

}  // namespace shoptalk::test
