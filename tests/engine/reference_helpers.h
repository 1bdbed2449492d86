// Shared by the engine tests: the reference manifest, model loading and logits comparison.
#pragma once

#include <cmath>
#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "engine/model/model.h"
#include "engine/model/session.h"
#include "json.h"
#include "test_support.h"

namespace shoptalk::test {

// The reference manifest, or null when the reference data is absent.
inline const json::Json& reference_manifest() {
  static const json::Json manifest = [] {
    const auto path = find_reference("reference/models/manifest.json");
    if (!path) return json::Json{};
    std::ifstream in(*path);
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = json::parse(text.str());
    return parsed ? std::move(*parsed) : json::Json{};
  }();
  return manifest;
}

inline std::vector<int32_t> int_list(const json::Json& v) {
  return v.get<std::vector<int32_t>>();
}

inline std::vector<double> number_list(const json::Json& v) {
  return v.get<std::vector<double>>();
}

inline const json::Json* find_run(const json::Json& file, const std::string& name) {
  for (const json::Json& run : file.at("runs"))
    if (run.at("name") == name) return &run;
  return nullptr;
}

struct Tolerance {
  double max_abs;
  double rms;
  double top1;  // minimum fraction of rows whose argmax agrees
};

inline Tolerance tolerance_for(const std::string& quant) {
  if (quant == "F32") return {0.15, 0.02, 0.85};
  if (quant == "F16") return {0.25, 0.03, 0.85};
  if (quant == "BF16") return {1.0, 0.1, 0.85};
  return {3.0, 0.35, 0.85};
}

inline int64_t argmax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t i = 1; i < n; ++i)
    if (row[i] > row[best]) best = i;
  return best;
}

struct Comparison {
  double max_abs = 0.0;
  double rms = 0.0;
  double top1 = 0.0;
};

inline Comparison compare_logits(const std::vector<float>& ours, const std::vector<float>& ref,
                                 int64_t n_vocab) {
  Comparison c;
  double sum_sq = 0.0;
  const int64_t rows = static_cast<int64_t>(ref.size()) / n_vocab;
  int64_t agree = 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* a = ours.data() + r * n_vocab;
    const float* b = ref.data() + r * n_vocab;
    for (int64_t i = 0; i < n_vocab; ++i) {
      const double d = std::fabs(static_cast<double>(a[i]) - b[i]);
      c.max_abs = std::max(c.max_abs, d);
      sum_sq += d * d;
    }
    if (argmax(a, n_vocab) == argmax(b, n_vocab)) ++agree;
  }
  c.rms = std::sqrt(sum_sq / static_cast<double>(ref.size()));
  c.top1 = static_cast<double>(agree) / static_cast<double>(rows);
  return c;
}

inline std::shared_ptr<const engine::Model> load_reference_model(const std::string& relative) {
  const auto path = find_reference("reference/models/" + relative);
  if (!path) return nullptr;
  auto model = engine::Model::load(*path);
  if (!model) return nullptr;
  return *model;
}

}  // namespace shoptalk::test
