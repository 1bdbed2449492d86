// Shared by the engine tests: the reference manifests, model loading, sessions and logits
// comparison.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/model/model.h"
#include "engine/model/session.h"
#include "json.h"
#include "test_support.h"

namespace shoptalk::test {

// The reference sets: the original families and the next architectures (qwen2, Llama-3.2,
// Phi-3 SentencePiece, Qwen3-Embedding), each a manifest.json with its files.
inline const std::string kModelsSet = "reference/models";
inline const std::string kModelsNextSet = "reference/models-next";

// A set's manifest, or null when the reference data is absent.
inline const json::Json& reference_manifest(const std::string& set = kModelsSet) {
  static std::map<std::string, json::Json> manifests;
  const auto cached = manifests.find(set);
  if (cached != manifests.end()) return cached->second;
  json::Json& manifest = manifests[set];
  const auto path = find_reference(set + "/manifest.json");
  if (!path) return manifest;
  std::ifstream in(*path);
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = json::parse(text.str());
  if (parsed) manifest = std::move(*parsed);
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

inline std::shared_ptr<const engine::Model> load_reference_model(
    const std::string& relative, const std::string& set = kModelsSet) {
  const auto path = find_reference(set + "/" + relative);
  if (!path) return nullptr;
  auto model = engine::Model::load(*path);
  if (!model) return nullptr;
  return *model;
}

inline std::unique_ptr<engine::Session> open_session(std::shared_ptr<const engine::Model> model,
                                                     uint32_t n_ctx, GgmlType kv_type) {
  engine::SessionOptions options;
  options.n_ctx = n_ctx;
  options.kv_type = kv_type;
  auto session = engine::Session::create(std::move(model), options);
  REQUIRE(session);
  return std::move(session).value();
}

inline std::vector<float> prefill_logits(engine::Session& session,
                                         const std::vector<int32_t>& prompt) {
  std::vector<float> rows(prompt.size() * static_cast<size_t>(session.logits().n_vocab));
  REQUIRE(session.eval(prompt, rows.data()));
  return rows;
}

inline std::vector<float> decode_logits(engine::Session& session,
                                        const std::vector<int32_t>& prompt) {
  std::vector<float> out;
  for (int32_t token : prompt) {
    REQUIRE(session.eval(&token, 1));
    const engine::Logits logits = session.logits();
    out.insert(out.end(), logits.data, logits.data + logits.n_vocab);
  }
  return out;
}

inline std::vector<int32_t> greedy_tokens(engine::Session& session,
                                          const std::vector<int32_t>& prompt, size_t count) {
  REQUIRE(session.eval(prompt));
  std::vector<int32_t> out;
  while (out.size() < count) {
    const int32_t next =
        static_cast<int32_t>(argmax(session.logits().data, session.logits().n_vocab));
    out.push_back(next);
    if (out.size() == count) break;
    REQUIRE(session.eval(&next, 1));
  }
  return out;
}

// Our logits against the reference file (relative to the set) within the tolerance.
inline void check_logits(const std::string& what, const std::vector<float>& ours,
                         const std::string& ref_relative, int64_t n_vocab, const Tolerance& tol,
                         const std::string& set = kModelsSet) {
  const auto ref_path = find_reference(set + "/" + ref_relative);
  if (!ref_path) return;
  const std::vector<float> ref = read_f32_file(*ref_path);
  REQUIRE(ref.size() == ours.size());
  const Comparison c = compare_logits(ours, ref, n_vocab);
  std::printf("%-40s %-8s max|diff| %.4f  rms %.4f  top1 %.3f\n", ref_relative.c_str(),
              what.c_str(), c.max_abs, c.rms, c.top1);
  INFO(what << " " << ref_relative << ": max " << c.max_abs << " rms " << c.rms << " top1 "
            << c.top1);
  CHECK(c.max_abs <= tol.max_abs);
  CHECK(c.rms <= tol.rms);
  CHECK(c.top1 >= tol.top1);
}

// Greedy tokens equal to the reference's up to the first step whose reference top1-top2 margin is
// below `tie` (after that llama.cpp's own choice is within rounding noise of another order).
inline void check_greedy(const std::string& file, const std::vector<int32_t>& ours,
                         const json::Json& run, double tie) {
  const std::vector<int32_t> expected = int_list(run.at("greedy_tokens"));
  const std::vector<double> margins = number_list(run.at("greedy_margins"));
  size_t same = 0;
  while (same < expected.size() && same < ours.size() && ours[same] == expected[same]) ++same;
  size_t required = 0;
  while (required < margins.size() && margins[required] >= tie) ++required;
  std::printf("%-40s greedy   %zu of %zu identical (required %zu)\n", file.c_str(), same,
              expected.size(), required);
  INFO(file << ": greedy tokens identical for " << same << " steps, required " << required);
  CHECK(same >= required);
}

// Calls fn(model, file, path) for every file of the set's manifest that is present on disk;
// false when the manifest itself is absent.
template <typename Fn>
bool for_each_manifest_file(const std::string& set, Fn fn) {
  const json::Json& manifest = reference_manifest(set);
  if (!manifest.is_object()) return false;
  for (const json::Json& model : manifest.at("models"))
    for (const json::Json& file : model.at("files")) {
      const auto path = find_reference(set + "/" + file.at("file").get<std::string>());
      if (path) fn(model, file, *path);
    }
  return true;
}

// Calls fn(model, file, loaded) for every file of the set's manifest that is present; a present
// file that does not load is a failure.
template <typename Fn>
void for_each_reference_file(Fn fn, const std::string& set = kModelsSet) {
  int files = 0;
  const bool found = for_each_manifest_file(
      set, [&](const json::Json& model, const json::Json& file, const std::string& path) {
        auto loaded = engine::Model::load(path);
        INFO(path << ": " << (loaded ? "" : loaded.error().message()));
        REQUIRE(loaded);
        ++files;
        fn(model, file, *loaded);
      });
  if (!found) {
    WARN(set << " manifest not found: skipping");
    return;
  }
  CHECK(files > 0);
}

}  // namespace shoptalk::test
