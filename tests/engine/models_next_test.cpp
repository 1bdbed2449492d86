// The next architectures' reference set against llama.cpp: qwen2 (Q/K/V biases), Llama-3.2
// (rope_freqs), Phi-3 with a SentencePiece vocabulary and Qwen3-Embedding's logits. Driven by the
// set's manifest.json alone, so another set of the same layout (other seeds, shapes and prompt)
// runs unchanged; tests/data holds one file per variant. Every file: prefill and decode logits
// and the Q8_0 KV cache run within the tolerance of its weight type, greedy tokens equal up to the
// first step whose reference margin is below 0.5; every prompt and tokenizer test tokenizes to
// llama.cpp's ids.
#include <catch2/catch.hpp>
#include <cstdio>

#include "engine/tokenizer/tokenizer.h"
#include "reference_helpers.h"

namespace shoptalk::test {

namespace {

// Below this top-1/top-2 margin llama.cpp's own choice is within rounding noise of another.
constexpr double kGreedyTie = 0.5;

}  // namespace

TEST_CASE("models-next: prefill, decode and greedy tokens within tolerance of llama.cpp",
          "[reference]") {
  for_each_reference_file(
      [](const json::Json& model, const json::Json& file,
         std::shared_ptr<const engine::Model> loaded) {
        const json::Json* run = find_run(file, "default");
        REQUIRE(run);
        const std::vector<int32_t> prompt = int_list(model.at("prompt_token_ids"));
        const int64_t n_vocab = model.at("n_vocab").get<int64_t>();
        const Tolerance tol = tolerance_for(file.at("quant").get<std::string>());
        auto session = open_session(loaded, run->at("n_ctx").get<uint32_t>(), GgmlType::F16);
        check_logits("prefill", prefill_logits(*session, prompt),
                     run->at("prefill_logits").get<std::string>(), n_vocab, tol, kModelsNextSet);
        session->reset();
        check_logits("decode", decode_logits(*session, prompt),
                     run->at("decode_logits").get<std::string>(), n_vocab, tol, kModelsNextSet);
        session->reset();
        const size_t count = run->at("greedy_tokens").size();
        check_greedy(file.at("file").get<std::string>(), greedy_tokens(*session, prompt, count),
                     *run, kGreedyTie);
      },
      kModelsNextSet);
}

TEST_CASE("models-next: the Q8_0 KV cache run within tolerance of llama.cpp", "[reference]") {
  for_each_reference_file(
      [](const json::Json& model, const json::Json& file,
         std::shared_ptr<const engine::Model> loaded) {
        const json::Json* run = find_run(file, "kv_q8_0");
        if (!run) return;
        const std::vector<int32_t> prompt = int_list(model.at("prompt_token_ids"));
        auto session = open_session(loaded, run->at("n_ctx").get<uint32_t>(), GgmlType::Q8_0);
        check_logits("kv_q8_0", prefill_logits(*session, prompt),
                     run->at("prefill_logits").get<std::string>(),
                     model.at("n_vocab").get<int64_t>(),
                     tolerance_for(file.at("quant").get<std::string>()), kModelsNextSet);
      },
      kModelsNextSet);
}

TEST_CASE("models-next: prompts and tokenizer tests tokenize to llama.cpp's ids", "[reference]") {
  const json::Json& manifest = reference_manifest(kModelsNextSet);
  if (!manifest.is_object()) return;
  int variants = 0;
  for (const json::Json& model : manifest.at("models")) {
    // Any file of the variant holds its vocabulary.
    std::optional<gguf::GgufFile> file;
    for (const json::Json& f : model.at("files")) {
      const auto path = find_reference(kModelsNextSet + "/" + f.at("file").get<std::string>());
      if (!path || file) continue;
      auto opened = gguf::GgufFile::open(*path);
      REQUIRE(opened);
      file.emplace(std::move(opened).value());
    }
    if (!file) continue;
    ++variants;
    auto tokenizer = engine::Tokenizer::from_gguf(*file);
    REQUIRE(tokenizer);
    const std::string variant = model.at("variant").get<std::string>();
    const json::Json& how = model.at("prompt_tokenize");
    INFO(variant << " prompt");
    CHECK(tokenizer->tokenize(
              model.at("prompt_text").get<std::string>(), how.at("add_special").get<bool>(),
              how.at("parse_special").get<bool>()) == int_list(model.at("prompt_token_ids")));
    for (const json::Json& test : model.at("tokenizer_tests")) {
      const std::string text = test.at("text").get<std::string>();
      INFO(variant << ": \"" << text << "\"");
      CHECK(tokenizer->tokenize(text, test.at("add_special").get<bool>(),
                                test.at("parse_special").get<bool>()) == int_list(test.at("ids")));
    }
  }
  CHECK(variants > 0);
}

}  // namespace shoptalk::test
