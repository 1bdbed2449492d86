// Shared by the API tests: the shipped demo model (a trained Qwen3-architecture model, loaded
// once) and small conveniences.
#pragma once

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "shoptalk/shoptalk.hpp"

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
