// Session and model options take effect as set: the KV cache type, the thread count's one range
// check, and the opt-in for a context longer than the model's training context.
#include "api_helpers.h"

namespace shoptalk::test {

TEST_CASE("SessionOptions::kv_type takes effect when set, the model's default otherwise",
          "[options]") {
  SessionOptions q8;
  q8.kv_type = KvType::kQ8_0;
  auto session = Session::create(demo_model(), q8);
  REQUIRE(session);
  CHECK(session->kv_type() == KvType::kQ8_0);
  CHECK(new_session(demo_model()).kv_type() == KvType::kF16);

  ModelOptions q4_default;
  q4_default.kv_type = KvType::kQ4_0;
  auto model = Model::load(SHOPTALK_DEMO_MODEL, q4_default);
  REQUIRE(model);
  CHECK(new_session(*model).kv_type() == KvType::kQ4_0);
  SessionOptions f16;
  f16.kv_type = KvType::kF16;
  CHECK(Session::create(*model, f16)->kv_type() == KvType::kF16);

  // The cache type is real: the logits after a few tokens differ between F16 and Q8_0 caches.
  const std::vector<Token> tokens = *demo_model().tokenize("Motor current 8.5 A, belt speed 30 %");
  auto with_q8 = session->eval(tokens);
  auto with_f16 = new_session(demo_model()).eval(tokens);
  REQUIRE(with_q8);
  REQUIRE(with_f16);
  CHECK(*with_q8 != *with_f16);
}

TEST_CASE("thread counts have one range, checked in one place, with one message", "[options]") {
  const std::string message = "threads must be between 0 (one per core) and 256, not ";
  SessionOptions many;
  many.threads = 100000;
  auto session = Session::create(demo_model(), many);
  REQUIRE_FALSE(session);
  CHECK(session.error().code() == ErrorCode::kInvalidArgument);
  CHECK(session.error().message() == message + "100000");
  many.threads = -1;
  CHECK(Session::create(demo_model(), many).error().message() == message + "-1");
  many.threads = 256;
  CHECK(Session::create(demo_model(), many));

  ModelOptions model_options;
  model_options.threads = 257;
  const std::string load_error = Model::load(SHOPTALK_DEMO_MODEL, model_options).error().message();
  CHECK(load_error == std::string(SHOPTALK_DEMO_MODEL) + ": " + message + "257");
  CHECK(measure_int8_peak(1000).error().message() == message + "1000");
  CHECK(measure_read_bandwidth(-2).error().message() == message + "-2");
}

TEST_CASE("a context longer than the training context needs the caller's opt-in", "[options]") {
  const int trained = demo_model().info().context_train;
  REQUIRE(trained == 512);
  SessionOptions longer;
  longer.context = trained + 1;
  auto refused = Session::create(demo_model(), longer);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kInvalidArgument);
  CHECK(refused.error().message() ==
        "a context of 513 tokens is longer than the 512 the model was trained for; set "
        "allow_context_beyond_training to use it anyway");
  longer.context = trained;
  CHECK(Session::create(demo_model(), longer)->context() == trained);

  longer.context = 2048;
  longer.allow_context_beyond_training = true;
  auto allowed = Session::create(demo_model(), longer);
  REQUIRE(allowed);
  CHECK(allowed->context() == 2048);

  // As the model's default context: refused at load (and in the plan), unless allowed there,
  // which then covers its sessions.
  ModelOptions model_options;
  model_options.context = 1024;
  CHECK(Model::load(SHOPTALK_DEMO_MODEL, model_options).error().code() ==
        ErrorCode::kInvalidArgument);
  CHECK(!Model::plan(SHOPTALK_DEMO_MODEL, model_options));
  model_options.allow_context_beyond_training = true;
  auto model = Model::load(SHOPTALK_DEMO_MODEL, model_options);
  REQUIRE(model);
  CHECK(new_session(*model).context() == 1024);
}

}  // namespace shoptalk::test
