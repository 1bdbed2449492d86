// ModelOptions::memory_budget covers the model and every session on it: a session that would
// exceed it is refused before it allocates, with the figures, and an ended session gives its share
// back.
#include <string>

#include "api_helpers.h"

namespace shoptalk::test {

namespace {
Model load_with_budget(uint64_t budget) {
  ModelOptions options;
  options.threads = 1;
  options.memory_budget = budget;
  auto model = Model::load(SHOPTALK_DEMO_MODEL, options);
  if (!model) FAIL(model.error().message());
  return std::move(model).value();
}

// Any context, the demo model's training context (512) being no limit here.
Result<Session> session_of(const Model& model, int context) {
  SessionOptions options;
  options.context = context;
  options.allow_context_beyond_training = true;
  return Session::create(model, options);
}
}  // namespace

TEST_CASE("the memory budget covers the model and every session created from it", "[budget]") {
  ModelOptions options;
  options.threads = 1;
  auto plan = Model::plan(SHOPTALK_DEMO_MODEL, options);
  REQUIRE(plan);
  const int context =
      demo_model().info().context_train < 4096 ? demo_model().info().context_train : 4096;
  // Room for the model and one session of the default context, and a little more.
  const Model model = load_with_budget(plan->total() + plan->scratch / 2);
  {
    auto first = session_of(model, 0);
    REQUIRE(first);
    CHECK(first->context() == context);
    auto second = session_of(model, 0);
    REQUIRE_FALSE(second);
    CHECK(second.error().code() == ErrorCode::kBudgetExceeded);
    const std::string& message = second.error().message();
    INFO(message);
    CHECK(message.find("KV cache") != std::string::npos);
    CHECK(message.find("1 session") != std::string::npos);
  }
  // Four times the planned context does not fit, even alone.
  auto large = session_of(model, 4 * context);
  REQUIRE_FALSE(large);
  CHECK(large.error().code() == ErrorCode::kBudgetExceeded);
  // Sessions that ended gave their share back.
  CHECK(session_of(model, 0));
}

TEST_CASE("a budget refusal shows bytes when MiB would read the same", "[budget]") {
  ModelOptions options;
  options.threads = 1;
  auto plan = Model::plan(SHOPTALK_DEMO_MODEL, options);
  REQUIRE(plan);
  options.memory_budget = plan->total() - 1;
  auto refused = Model::load(SHOPTALK_DEMO_MODEL, options);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kBudgetExceeded);
  INFO(refused.error().message());
  CHECK(refused.error().message().find(std::to_string(plan->total()) + " bytes") !=
        std::string::npos);

  // Exactly the plan: one session of the default context fits, one position more does not.
  const Model model = load_with_budget(plan->total());
  const int context = session_of(model, 0)->context();
  auto over = session_of(model, context + 1);
  REQUIRE_FALSE(over);
  INFO(over.error().message());
  CHECK(over.error().message().find(" bytes") != std::string::npos);
  CHECK(session_of(model, context));
}

}  // namespace shoptalk::test
