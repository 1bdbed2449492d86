// Conversations across turns: the shared prefix is reused, and the answer is exactly what a fresh
// session given the whole conversation produces.
#include "api_helpers.h"

namespace shoptalk::test {

TEST_CASE("a second turn evaluates only what follows the shared prefix", "[chat]") {
  std::vector<ChatMessage> chat = {
      {"system", kSystem},
      {"user", "Pump P-12 is noisy, suction pressure 0.2 bar. What should I check?"}};
  Session session = new_session(demo_model());
  auto first = session.chat(chat, greedy(60));
  REQUIRE(first);
  CHECK(first->stats.reused_tokens == 0);
  const int first_prompt = first->stats.prompt_tokens;

  chat.push_back({"assistant", first->text});
  chat.push_back({"user", "Thanks. Can I keep it running?"});
  auto second = session.chat(chat, greedy(40));
  REQUIRE(second);
  // Qwen3 drops the earlier think block when it renders history, so the reuse ends where the
  // assistant turn starts: everything before it (system prompt, first question) is kept.
  CHECK(second->stats.reused_tokens >= first_prompt - 1);
  CHECK(second->stats.reused_tokens < session.position());

  Session fresh = new_session(demo_model());
  auto whole = fresh.chat(chat, greedy(40));
  REQUIRE(whole);
  CHECK(whole->stats.reused_tokens == 0);
  CHECK(ids_of(*whole) == ids_of(*second));
  CHECK(whole->text == second->text);
  CHECK(fresh.tokens() == session.tokens());

  // The same conversation again: everything is reused, only the last token is evaluated.
  auto again = session.chat(chat, greedy(40));
  REQUIRE(again);
  CHECK(again->text == second->text);
  CHECK(again->stats.prompt_tokens == 1);
}

TEST_CASE("chat errors: no messages, unknown roles", "[chat]") {
  Session session = new_session(demo_model());
  CHECK(session.chat({}, greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  CHECK(session.chat({{"narrator", "x"}}, greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  CHECK(session.position() == 0);
}

}  // namespace shoptalk::test
