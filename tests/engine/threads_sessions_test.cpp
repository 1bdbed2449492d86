// Sessions share one immutable Model: concurrent sessions give exactly their solo results, the
// thread count never changes a logit, and the session's limits are clear errors.
#include <catch2/catch.hpp>
#include <thread>

#include "engine/model/memory.h"
#include "kernels/kernels.h"
#include "reference_helpers.h"

namespace shoptalk::test {

namespace {

using engine::Session;
using engine::SessionOptions;

const char* const kModels[] = {"qwen3/qwen3-Q4_K_M.gguf", "phi3/phi3-Q4_0.gguf",
                               "smollm3/smollm3-Q4_K_M.gguf", "llama/llama-Q4_K_M.gguf"};

// A prompt of `length` tokens; the default stays below kernels::kPrefillMinTokens, so the whole
// prompt runs through the same kernels as a token-at-a-time one.
std::vector<int32_t> short_prompt(const engine::Model& model, int length = 12) {
  std::vector<int32_t> prompt;
  for (int i = 0; i < length; ++i)
    prompt.push_back(static_cast<int32_t>((i * 37 + 5) % model.hparams().n_vocab));
  return prompt;
}

std::unique_ptr<Session> make_session(std::shared_ptr<const engine::Model> model, int threads,
                                      uint32_t n_ctx = 256) {
  SessionOptions options;
  options.n_ctx = n_ctx;
  options.n_threads = threads;
  auto session = Session::create(std::move(model), options);
  REQUIRE(session);
  return std::move(session).value();
}

// Prefill logits of every prompt row followed by the logits of `steps` greedy decode steps.
std::vector<float> run_greedy(Session& session, const std::vector<int32_t>& prompt, int steps) {
  const int64_t n_vocab = session.logits().n_vocab;
  std::vector<float> out(prompt.size() * static_cast<size_t>(n_vocab));
  if (!session.eval(prompt, out.data())) return {};
  for (int i = 0; i < steps; ++i) {
    const int32_t next = static_cast<int32_t>(argmax(session.logits().data, n_vocab));
    if (!session.eval(&next, 1)) return {};
    out.insert(out.end(), session.logits().data, session.logits().data + n_vocab);
  }
  return out;
}

}  // namespace

TEST_CASE("logits are bit-identical for 1, 2, 3 and 5 threads and from run to run", "[sessions]") {
  // Short prompts run the GEMM kernels, prompts of kPrefillMinTokens or more (odd lengths too) the
  // prefill kernels.
  static_assert(kernels::kPrefillMinTokens <= 45);
  for (const char* name : kModels) {
    auto model = load_reference_model(name);
    if (!model) continue;
    for (int length : {12, static_cast<int>(kernels::kPrefillMinTokens), 45}) {
      INFO(name << " prompt of " << length);
      const std::vector<int32_t> prompt = short_prompt(*model, length);
      std::vector<std::vector<float>> results;
      for (int threads : {1, 2, 3, 5, 2}) {
        auto session = make_session(model, threads);
        results.push_back(run_greedy(*session, prompt, 6));
        REQUIRE_FALSE(results.back().empty());
      }
      for (size_t i = 1; i < results.size(); ++i) CHECK(results[i] == results[0]);
    }
  }
}

TEST_CASE("two sessions generating concurrently on one model match their solo runs", "[sessions]") {
  auto model = load_reference_model(kModels[0]);
  if (!model) return;
  const std::vector<int32_t> prompt_a = short_prompt(*model);
  std::vector<int32_t> prompt_b = prompt_a;
  std::reverse(prompt_b.begin(), prompt_b.end());

  const std::vector<float> solo_a = run_greedy(*make_session(model, 1), prompt_a, 12);
  const std::vector<float> solo_b = run_greedy(*make_session(model, 2), prompt_b, 12);

  auto session_a = make_session(model, 1);
  auto session_b = make_session(model, 2);
  std::vector<float> together_a, together_b;
  std::thread thread_a([&] { together_a = run_greedy(*session_a, prompt_a, 12); });
  std::thread thread_b([&] { together_b = run_greedy(*session_b, prompt_b, 12); });
  thread_a.join();
  thread_b.join();
  CHECK(together_a == solo_a);
  CHECK(together_b == solo_b);
  CHECK(solo_a != solo_b);
}

TEST_CASE("the context limit and token range are enforced with clear errors", "[sessions]") {
  auto model = load_reference_model(kModels[0]);
  if (!model) return;
  auto session = make_session(model, 1, 16);
  std::vector<int32_t> tokens(17, 1);
  auto too_many = session->eval(tokens);
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().code() == ErrorCode::kContextOverflow);
  CHECK(session->position() == 0);

  tokens.resize(10);
  REQUIRE(session->eval(tokens));
  tokens.resize(7);
  auto overflow = session->eval(tokens);
  REQUIRE_FALSE(overflow);
  CHECK(overflow.error().code() == ErrorCode::kContextOverflow);
  CHECK(session->position() == 10);
  tokens.resize(6);
  REQUIRE(session->eval(tokens));
  CHECK(session->position() == 16);

  session->reset();
  const int32_t bad[] = {1, static_cast<int32_t>(model->hparams().n_vocab)};
  auto out_of_range = session->eval(bad, 2);
  REQUIRE_FALSE(out_of_range);
  CHECK(out_of_range.error().code() == ErrorCode::kInvalidArgument);
  const int32_t negative = -1;
  CHECK_FALSE(session->eval(&negative, 1));
  CHECK(session->position() == 0);
}

TEST_CASE("prompts longer than the batch run in several passes with the same logits",
          "[sessions]") {
  auto model = load_reference_model(kModels[1]);
  if (!model) return;
  const std::vector<int32_t> prompt = short_prompt(*model);
  auto whole = make_session(model, 1);
  SessionOptions small_batch;
  small_batch.n_ctx = 256;
  small_batch.n_batch = 5;
  auto split = Session::create(model, small_batch);
  REQUIRE(split);
  const size_t n_logits = prompt.size() * model->hparams().n_vocab;
  std::vector<float> whole_logits(n_logits), split_logits(n_logits);
  REQUIRE(whole->eval(prompt, whole_logits.data()));
  REQUIRE((*split)->eval(prompt, split_logits.data()));
  CHECK(split_logits == whole_logits);
}

TEST_CASE("Q4_0 and Q8_0 KV caches run and stay close to the F16 cache", "[sessions]") {
  auto model = load_reference_model(kModels[0]);
  if (!model) return;
  const std::vector<int32_t> prompt = short_prompt(*model);
  std::vector<std::vector<float>> results;
  for (GgmlType kv : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    SessionOptions options;
    options.n_ctx = 64;
    options.kv_type = kv;
    auto session = Session::create(model, options);
    REQUIRE(session);
    results.push_back(run_greedy(**session, prompt, 0));
  }
  const int64_t n_vocab = model->hparams().n_vocab;
  CHECK(compare_logits(results[1], results[0], n_vocab).rms < 0.5);
  CHECK(compare_logits(results[2], results[0], n_vocab).rms < 1.5);

  SessionOptions unsupported;
  unsupported.kv_type = GgmlType::Q6_K;
  auto bad = Session::create(model, unsupported);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == ErrorCode::kUnsupported);
}

TEST_CASE("memory is reported by category and planned before allocation", "[sessions]") {
  const auto path = find_reference(std::string("reference/models/") + kModels[0]);
  if (!path) return;
  auto file = gguf::GgufFile::open(*path);
  REQUIRE(file);
  auto model = load_reference_model(kModels[0]);
  REQUIRE(model);
  for (int threads : {1, 3}) {
    SessionOptions options;
    options.n_ctx = 256;
    options.kv_type = GgmlType::Q8_0;
    options.n_threads = threads;
    auto plan = engine::plan_memory(*file, model->kernels(),
                                    {256, GgmlType::Q8_0, engine::kDefaultBatch, threads});
    REQUIRE(plan);
    auto session = Session::create(model, options);
    REQUIRE(session);
    const engine::MemoryReport actual = (*session)->memory();
    CHECK(actual.weights == plan->weights);
    CHECK(actual.kv_cache == plan->kv_cache);
    CHECK(actual.scratch == plan->scratch);
    const engine::HParams& hp = model->hparams();
    // K and V rows of n_head_kv·head_dim Q8_0 elements (34 bytes per 32) per layer and position.
    CHECK(actual.kv_cache ==
          static_cast<size_t>(2 * hp.n_layer * 256 * (hp.n_embd_kv() / 32 * 34)));
    CHECK(actual.weights > 0);
    CHECK(actual.scratch > 0);
  }
}

}  // namespace shoptalk::test
