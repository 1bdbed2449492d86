// engine::Session::embed: pooling across several forward passes (inputs longer than the batch),
// and what an embedding session refuses.
#include <catch2/catch.hpp>

#include "reference_helpers.h"

namespace shoptalk::test {

namespace {

std::shared_ptr<const engine::Model> embedding_model() {
  auto model = load_reference_model("qwen3embed/qwen3embed-Q4_0.gguf", kModelsNextSet);
  REQUIRE(model);
  return model;
}

std::unique_ptr<engine::Session> embedding_session(std::shared_ptr<const engine::Model> model,
                                                   uint32_t n_batch) {
  engine::SessionOptions options;
  options.n_ctx = 64;
  options.n_batch = n_batch;
  options.logits = false;
  auto session = engine::Session::create(std::move(model), options);
  REQUIRE(session);
  return std::move(session).value();
}

}  // namespace

TEST_CASE("embedding in batches of 5 pools like one batch", "[embedding]") {
  const auto model = embedding_model();
  const int64_t n_embd = model->hparams().n_embd;
  auto whole = embedding_session(model, 64);
  auto split = embedding_session(model, 5);
  std::vector<int32_t> input;
  for (int32_t i = 0; i < 23; ++i) input.push_back((11 * i + 3) % 450);
  for (engine::Pooling pooling :
       {engine::Pooling::kMean, engine::Pooling::kCls, engine::Pooling::kLast}) {
    std::vector<float> a(static_cast<size_t>(n_embd)), b(a.size());
    REQUIRE(whole->embed(input.data(), input.size(), pooling, a.data()));
    REQUIRE(split->embed(input.data(), input.size(), pooling, b.data()));
    INFO("pooling " << static_cast<int>(pooling));
    for (size_t i = 0; i < a.size(); ++i) CHECK(b[i] == Approx(a[i]).margin(1e-4));
    // The context is replaced: a second call gives the same vector.
    std::vector<float> again(a.size());
    REQUIRE(whole->embed(input.data(), input.size(), pooling, again.data()));
    CHECK(again == a);
  }
}

TEST_CASE("an embedding session refuses logits and a missing pooling", "[embedding]") {
  auto session = embedding_session(embedding_model(), 8);
  const int32_t token = 1;
  auto logits = session->eval(&token, 1);
  REQUIRE(!logits);
  CHECK(logits.error().code() == ErrorCode::kInvalidArgument);
  std::vector<float> out(256);
  auto none = session->embed(&token, 1, engine::Pooling::kNone, out.data());
  REQUIRE(!none);
  CHECK(none.error().code() == ErrorCode::kInvalidArgument);
  auto empty = session->embed(&token, 0, engine::Pooling::kLast, out.data());
  REQUIRE(!empty);
  CHECK(empty.error().code() == ErrorCode::kInvalidArgument);
  std::vector<int32_t> too_long(65, 1);
  auto over = session->embed(too_long.data(), too_long.size(), engine::Pooling::kLast, out.data());
  REQUIRE(!over);
  CHECK(over.error().code() == ErrorCode::kContextOverflow);
}

}  // namespace shoptalk::test
