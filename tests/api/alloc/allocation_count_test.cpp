// No heap allocation on the token path (docs/api.md, "Memory and errors"): once a session exists
// and has prompted once, evaluating a token, and each further token of generate() and chat(),
// allocates nothing. Counted through the replaced operator new and the wrapped C allocation
// functions (alloc_hooks.h).
#include <limits>
#include <string>
#include <vector>

#include "alloc_hooks.h"
#include "api_helpers.h"

namespace shoptalk::test {

namespace {

constexpr int kTokens = 24;

const Model& tiny_model() {
  static const Model model = random_chat_model("qwen3", "qwen3");
  return model;
}

// Sampled, so that the random model's text varies, with every end-of-generation token banned:
// the generation always runs to max_tokens.
GenerateOptions run_to(int max_tokens) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling.seed = 7;
  for (Token t : tiny_model().info().eog_tokens)
    o.sampling.logit_bias.push_back({t, -std::numeric_limits<float>::infinity()});
  o.stop_strings = {"never in this text \x01"};
  return o;
}

Session tiny_session(int threads) {
  SessionOptions options;
  options.threads = threads;
  options.context = 256;
  auto session = Session::create(tiny_model(), options);
  if (!session) FAIL(session.error().message());
  return std::move(session).value();
}

}  // namespace

TEST_CASE("the hooks see the library's allocations and fail the one asked for", "[alloc]") {
  const Model& model = tiny_model();
  const uint64_t before = alloc::count();
  Session session = tiny_session(1);
  const uint64_t created = alloc::count() - before;
  INFO(created << " allocations to create a session");
  CHECK(created > 3);
  alloc::fail_nth(2);
  auto refused = Session::create(model);
  alloc::fail_nth(0);
  CHECK(alloc::failed());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kOutOfMemory);
}

TEST_CASE("evaluating tokens allocates nothing once a session has prompted", "[alloc]") {
  const int threads = GENERATE(1, 2);
  Session session = tiny_session(threads);
  REQUIRE(session.prompt("Motor current 8.5 A"));
  const int n_vocab = tiny_model().info().n_vocab;
  std::vector<float> rows(2 * static_cast<size_t>(n_vocab));
  const Token pair[2] = {17, 23};

  const uint64_t before = alloc::count();
  for (int i = 0; i < kTokens; ++i) {
    const Token token = static_cast<Token>(100 + i);
    if (!session.eval(&token, 1)) break;
  }
  const bool rows_ok = static_cast<bool>(session.eval(pair, 2, rows.data()));
  const uint64_t allocations = alloc::count() - before;

  CHECK(session.position() == static_cast<int>(session.tokens().size()));
  CHECK(rows_ok);
  CHECK(allocations == 0);
  REQUIRE(session.logits() != nullptr);
  CHECK(session.logits()[5] == rows[static_cast<size_t>(n_vocab) + 5]);
}

TEST_CASE("generate and chat allocate nothing per token", "[alloc]") {
  const int threads = GENERATE(1, 2);
  Session session = tiny_session(threads);
  const std::string prompt = "Belt speed 30 %, motor current 8.5 A.";
  const std::vector<ChatMessage> chat = {{"system", "Answer briefly."}, {"user", prompt}};

  // A generation's allocations, from the same state each time: the result and its buffers, sized
  // once before the first token, so that one token and kTokens tokens make as many.
  auto generate_allocations = [&](int max_tokens) {
    session.reset();
    REQUIRE(session.prompt(prompt));
    const GenerateOptions options = run_to(max_tokens);
    const uint64_t before = alloc::count();
    auto g = session.generate(options);
    const uint64_t allocations = alloc::count() - before;
    REQUIRE(g);
    REQUIRE(g->tokens.size() == static_cast<size_t>(max_tokens));
    return allocations;
  };
  auto chat_allocations = [&](int max_tokens) {
    session.reset();
    const GenerateOptions options = run_to(max_tokens);
    const uint64_t before = alloc::count();
    auto g = session.chat(chat, options, [](std::string_view) { return true; });
    const uint64_t allocations = alloc::count() - before;
    REQUIRE(g);
    REQUIRE(g->tokens.size() == static_cast<size_t>(max_tokens));
    return allocations;
  };

  generate_allocations(1);  // the first call may fill caches that later calls reuse
  const uint64_t one = generate_allocations(1);
  const uint64_t many = generate_allocations(kTokens);
  INFO("generate: " << one << " allocations for 1 token, " << many << " for " << kTokens);
  CHECK(many == one);

  chat_allocations(1);
  const uint64_t chat_one = chat_allocations(1);
  const uint64_t chat_many = chat_allocations(kTokens);
  INFO("chat: " << chat_one << " allocations for 1 token, " << chat_many << " for " << kTokens);
  CHECK(chat_many == chat_one);
}

}  // namespace shoptalk::test
