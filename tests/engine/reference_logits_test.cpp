// Every reference model file against llama.cpp's logits (reference/models/README.md): prefill
// (whole prompt in one batch), decode (one token at a time) and 32 greedy tokens, the Q8_0 KV
// cache run and phi3 at n_ctx 8192 (LongRoPE long factors). Iterates over whichever files exist.
#include <catch2/catch.hpp>
#include <cstdio>

#include "kernels/kernels.h"
#include "reference_helpers.h"

namespace shoptalk::test {

namespace {

// The x86 levels (AVX2, AVX-VNNI, AVX-512) share every float kernel and give identical integer
// sums, so all of them follow llama.cpp's AVX2 build.
bool at_x86_level() {
  const kernels::Isa isa = kernels::active_kernels().isa;
  return isa == kernels::Isa::kAvx2 || isa == kernels::Isa::kAvxVnni ||
         isa == kernels::Isa::kAvx512;
}

// At the x86 levels the quantized-weight files reproduce llama.cpp's logits (default and Q8_0
// KV cache runs) bit for bit (printed with 4 decimals, a 1-ulp mismatch would read 0.0000, so it is
// checked exactly). The float files (F32/F16/BF16) still differ in the last bits.
void check_logits_identical(const std::string& what, const std::string& quant,
                            const std::vector<float>& ours, const std::string& ref_relative) {
  if (!at_x86_level() || quant == "F32" || quant == "F16" || quant == "BF16") return;
  const auto ref_path = find_reference("reference/models/" + ref_relative);
  if (!ref_path) return;
  const std::vector<float> ref = read_f32_file(*ref_path);
  REQUIRE(ref.size() == ours.size());
  size_t differing = 0;
  for (size_t i = 0; i < ref.size(); ++i) differing += ours[i] != ref[i] ? 1 : 0;
  INFO(what << " " << ref_relative << ": " << differing << " logits not bit-identical");
  CHECK(differing == 0);
}

}  // namespace

TEST_CASE("default run: prefill, decode and greedy tokens match llama.cpp", "[reference]") {
  for_each_reference_file([](const json::Json& model, const json::Json& file,
                             std::shared_ptr<const engine::Model> loaded) {
    const json::Json* run = find_run(file, "default");
    REQUIRE(run);
    const std::vector<int32_t> prompt = int_list(model.at("prompt_token_ids"));
    const int64_t n_vocab = model.at("n_vocab").get<int64_t>();
    const Tolerance tol = tolerance_for(file.at("quant").get<std::string>());
    const uint32_t n_ctx = run->at("n_ctx").get<uint32_t>();

    const std::string quant = file.at("quant").get<std::string>();
    auto session = open_session(loaded, n_ctx, GgmlType::F16);
    const std::vector<float> prefill = prefill_logits(*session, prompt);
    check_logits("prefill", prefill, run->at("prefill_logits").get<std::string>(), n_vocab, tol);
    check_logits_identical("prefill", quant, prefill, run->at("prefill_logits").get<std::string>());
    session->reset();
    const std::vector<float> decode = decode_logits(*session, prompt);
    check_logits("decode", decode, run->at("decode_logits").get<std::string>(), n_vocab, tol);
    check_logits_identical("decode", quant, decode, run->at("decode_logits").get<std::string>());
    session->reset();
    const size_t count = run->at("greedy_tokens").size();
    // At the x86 levels the kernels follow llama.cpp's float operation order: all greedy tokens.
    check_greedy(file.at("file").get<std::string>(), greedy_tokens(*session, prompt, count), *run,
                 tol.max_abs, at_x86_level());
  });
}

TEST_CASE("Q8_0 KV cache run matches llama.cpp", "[reference]") {
  for_each_reference_file([](const json::Json& model, const json::Json& file,
                             std::shared_ptr<const engine::Model> loaded) {
    const json::Json* run = find_run(file, "kv_q8_0");
    if (!run) return;
    const std::vector<int32_t> prompt = int_list(model.at("prompt_token_ids"));
    const int64_t n_vocab = model.at("n_vocab").get<int64_t>();
    auto session = open_session(loaded, run->at("n_ctx").get<uint32_t>(), GgmlType::Q8_0);
    const std::vector<float> prefill = prefill_logits(*session, prompt);
    check_logits("kv_q8_0", prefill, run->at("prefill_logits").get<std::string>(), n_vocab,
                 tolerance_for(file.at("quant").get<std::string>()));
    check_logits_identical("kv_q8_0", file.at("quant").get<std::string>(), prefill,
                           run->at("prefill_logits").get<std::string>());
  });
}

TEST_CASE("phi3 at n_ctx 8192 uses the long RoPE factors like llama.cpp", "[reference]") {
  for_each_reference_file([](const json::Json& model, const json::Json& file,
                             std::shared_ptr<const engine::Model> loaded) {
    const json::Json* run = find_run(file, "long_context_rope_factors");
    if (!run) return;
    const std::vector<int32_t> prompt = int_list(model.at("prompt_token_ids"));
    const int64_t n_vocab = model.at("n_vocab").get<int64_t>();
    const Tolerance tol = tolerance_for(file.at("quant").get<std::string>());
    auto session = open_session(loaded, run->at("n_ctx").get<uint32_t>(), GgmlType::F16);
    check_logits("nctx8192", prefill_logits(*session, prompt),
                 run->at("prefill_logits").get<std::string>(), n_vocab, tol);
    session->reset();
    check_logits("nctx8192", decode_logits(*session, prompt),
                 run->at("decode_logits").get<std::string>(), n_vocab, tol);
    session->reset();
    const size_t count = run->at("greedy_tokens").size();
    check_greedy(file.at("file").get<std::string>() + " nctx8192",
                 greedy_tokens(*session, prompt, count), *run, tol.max_abs, at_x86_level());
  });
}

}  // namespace shoptalk::test
