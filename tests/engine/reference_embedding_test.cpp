// Pooled embeddings (Model::embed) against llama.cpp's: every file of every reference set whose
// manifest has an `embedding` run (reference/models-next/README.md), raw and L2-normalized, from
// the manifest alone, so an evaluation set of the same layout runs unchanged.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "reference_helpers.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::test {

namespace {

// Cosine similarity the reference README requires per text: 0.9999 for float weights, 0.995 for
// quantized ones. If ours = ref + e with |e| <= d·|ref|, the cosine is at least about 1 - d²/2
// and the norms differ by at most d; the norm check uses that d, so a vector right in direction
// but scaled (a lost output_norm weight, ~7 in these files) fails too.
double min_cosine(const std::string& quant) {
  return quant == "F32" || quant == "F16" || quant == "BF16" ? 0.9999 : 0.995;
}

double dot(const float* a, const float* b, size_t n) {
  double s = 0.0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Rows of ours against the reference file's rows: cosine per row and norm ratio.
void check_rows(const std::string& what, const std::vector<std::vector<float>>& ours,
                const std::string& set, const std::string& ref_relative, double cos_min) {
  const auto path = find_reference(set + "/" + ref_relative);
  if (!path) return;
  const std::vector<float> ref = read_f32_file(*path);
  REQUIRE(!ours.empty());
  const size_t n = ours[0].size();
  REQUIRE(ref.size() == ours.size() * n);
  const double max_norm_error = std::sqrt(2.0 * (1.0 - cos_min));
  std::printf("%-44s %-5s cosine", ref_relative.c_str(), what.c_str());
  for (size_t r = 0; r < ours.size(); ++r) {
    REQUIRE(ours[r].size() == n);
    const float* a = ours[r].data();
    const float* b = ref.data() + r * n;
    const double na = std::sqrt(dot(a, a, n));
    const double nb = std::sqrt(dot(b, b, n));
    const double cosine = dot(a, b, n) / (na * nb);
    std::printf(" %.7f", cosine);
    INFO(what << " " << ref_relative << " row " << r << ": cosine " << cosine << ", norm " << na
              << " vs " << nb);
    CHECK(cosine >= cos_min);
    CHECK(std::fabs(na / nb - 1.0) <= max_norm_error);
  }
  std::printf("\n");
}

}  // namespace

TEST_CASE("pooled embeddings match llama.cpp, raw and normalized", "[reference][embedding]") {
  int files = 0;
  for (const std::string& set : {kModelsSet, kModelsNextSet}) {
    for_each_manifest_file(
        set, [&](const json::Json&, const json::Json& file, const std::string& path) {
          const json::Json* run = find_run(file, "embedding");
          if (!run) return;
          auto loaded = Model::load(path);
          REQUIRE(loaded);
          ++files;
          const Model& m = *loaded;
          const std::string quant = file.at("quant").get<std::string>();
          std::vector<std::vector<Token>> inputs;
          for (const json::Json& ids : run->at("token_ids")) inputs.push_back(int_list(ids));
          CHECK(m.info().pooling != Pooling::kNone);

          auto raw = m.embed_tokens(inputs);
          REQUIRE(raw);
          CHECK(raw->size() == inputs.size());
          check_rows("raw", *raw, set, run->at("embeddings").get<std::string>(), min_cosine(quant));

          EmbedOptions normalized;
          normalized.normalize = true;
          auto unit = m.embed_tokens(inputs, normalized);
          REQUIRE(unit);
          check_rows("norm", *unit, set, run->at("embeddings_normalized").get<std::string>(),
                     min_cosine(quant));
          for (const std::vector<float>& v : *unit)
            CHECK(std::sqrt(dot(v.data(), v.data(), v.size())) == Approx(1.0).epsilon(1e-6));

          // The texts tokenize to the listed ids, and embedding them is embedding those ids.
          std::vector<std::string> texts = run->at("texts").get<std::vector<std::string>>();
          for (size_t i = 0; i < texts.size(); ++i) {
            auto ids = m.tokenize(texts[i], true, true);
            REQUIRE(ids);
            CHECK(*ids == inputs[i]);
          }
          auto from_text = m.embed(texts);
          REQUIRE(from_text);
          CHECK(*from_text == *raw);
        });
  }
  CHECK(files > 0);
}

}  // namespace shoptalk::test
