// docs/api.md's retrieval example, step by step, on a Qwen3-Embedding model the repository makes:
// the qwen3-embedding-0.6b preset synthesized at a small shape. Its weights are random, so which
// passage a question ranks first means nothing; what is checked is the mechanics: the file
// declares LAST pooling, vectors kept in a file rank as fresh ones do, and a passage asked for
// itself comes first with a cosine of 1.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <shoptalk/synth.hpp>

#include "api_helpers.h"
#include "test_support.h"

namespace shoptalk::test {

namespace {

using Ranking = std::vector<std::pair<float, size_t>>;  // (cosine similarity, passage)

// The example's ranking: the question's unit vector against each kept passage vector.
Ranking rank(const Model& embedder, const std::vector<std::vector<float>>& stored,
             const std::string& query) {
  EmbedOptions unit;
  unit.normalize = true;
  auto question = embedder.embed({query}, unit);
  REQUIRE(question);
  Ranking ranked;
  for (size_t i = 0; i < stored.size(); ++i) {
    float cosine = 0.0f;
    for (size_t d = 0; d < stored[i].size(); ++d) cosine += (*question)[0][d] * stored[i][d];
    ranked.push_back({cosine, i});
  }
  std::sort(ranked.rbegin(), ranked.rend());
  return ranked;
}

void write_rows(const std::string& path, const std::vector<std::vector<float>>& rows) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  REQUIRE(f);
  for (const std::vector<float>& row : rows)
    REQUIRE(std::fwrite(row.data(), sizeof(float), row.size(), f.get()) == row.size());
}

std::vector<std::vector<float>> read_rows(const std::string& path, size_t n_embd) {
  const std::vector<float> all = read_f32_file(path);
  std::vector<std::vector<float>> rows;
  for (size_t at = 0; at + n_embd <= all.size(); at += n_embd)
    rows.emplace_back(all.begin() + static_cast<std::ptrdiff_t>(at),
                      all.begin() + static_cast<std::ptrdiff_t>(at + n_embd));
  return rows;
}

}  // namespace

TEST_CASE("retrieval: embed the passages once, keep the vectors, rank them for each question",
          "[embedding]") {
  SynthOptions small;
  small.preset = "qwen3-embedding-0.6b";
  small.n_embd = 64;
  small.n_layer = 2;
  small.n_head = 2;
  small.n_head_kv = 1;
  small.head_dim = 32;
  small.n_ff = 128;
  small.n_vocab = 1024;
  small.quant = "q8_0";
  const std::string path = temp_path("qwen3-embedding-small.gguf");
  REQUIRE(synthesize_model(small, path));
  auto embedder = Model::load(path);
  REQUIRE(embedder);
  CHECK(embedder->info().pooling == Pooling::kLast);

  EmbedOptions unit;
  unit.normalize = true;
  std::vector<std::string> passages = {
      "P-204 centrifugal pump: a sound like gravel in the casing is cavitation. Check the suction "
      "pressure, open the suction valve fully and clean the strainer.",
      "Conveyor C-12: the motor's thermal relay trips when the belt jams. Lock out the drive, "
      "clear the jam, let the motor cool, then reset the relay.",
      "Compressor AC-03: a high discharge temperature means a low oil level or a dirty cooler."};
  for (std::string& p : passages) p += "<|endoftext|>";
  auto stored = embedder->embed(passages, unit);
  REQUIRE(stored);
  REQUIRE(stored->size() == passages.size());

  const std::string kept = temp_path("manual-vectors.f32");
  write_rows(kept, *stored);
  const std::vector<std::vector<float>> loaded =
      read_rows(kept, static_cast<size_t>(embedder->info().n_embd));
  CHECK(loaded == *stored);

  const std::vector<std::string> questions = {"The relay of the conveyor motor keeps tripping",
                                              "The pump sounds like gravel",
                                              "Compressor AC-03 runs hot"};
  for (const std::string& q : questions) {
    const std::string query =
        "Instruct: Given a technician's question, retrieve the manual passage that answers "
        "it\nQuery:" +
        q + "<|endoftext|>";
    const Ranking ranked = rank(*embedder, loaded, query);
    CHECK(ranked == rank(*embedder, *stored, query));
    REQUIRE(ranked.size() == passages.size());
    for (const auto& [cosine, passage] : ranked) CHECK(std::fabs(cosine) <= 1.0f + 1e-5f);
  }
  for (size_t i = 0; i < passages.size(); ++i) {
    const Ranking ranked = rank(*embedder, loaded, passages[i]);
    CHECK(ranked[0].second == i);
    CHECK(ranked[0].first == Approx(1.0f).margin(1e-5));
    CHECK(ranked[1].first < 0.9999f);
  }
}

}  // namespace shoptalk::test
