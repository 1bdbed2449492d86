// Conversations across turns: the shared prefix is reused, and the answer is exactly what a fresh
// session given the whole conversation produces.
#include <algorithm>
#include <cmath>

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

namespace {
// A troubleshooting chat of `turns` questions and answers, then one more question.
std::vector<ChatMessage> long_chat(const char* system, int turns) {
  std::vector<ChatMessage> chat = {{"system", system}};
  for (int i = 0; i < turns; ++i) {
    chat.push_back({"user", "Check " + std::to_string(i + 1) +
                                ": the conveyor CV-07 motor still trips after a restart. The "
                                "current reads 8." +
                                std::to_string(i) + " A. What next?"});
    chat.push_back({"assistant",
                    "Lock out the drive, inspect the belt tension and the "
                    "bearings, then measure the current again at 30 % speed."});
  }
  chat.push_back({"user", "It trips again at 9 A. Is it safe to keep it running?"});
  return chat;
}

GenerateOptions drop_oldest(int max_tokens) {
  GenerateOptions o = greedy(max_tokens);
  o.on_context_full = ContextFull::kDropOldestTurns;
  return o;
}
}  // namespace

TEST_CASE("a conversation longer than the context keeps its system prompt, drops the oldest turns",
          "[chat]") {
  const std::vector<ChatMessage> chat = long_chat(kSystem, 6);
  Session session = new_session(demo_model(), 1, 256);
  auto refused = session.chat(chat, greedy(48));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == ErrorCode::kContextOverflow);

  auto g = session.chat(chat, drop_oldest(48));
  REQUIRE(g);
  const int dropped = g->stats.dropped_messages;
  CHECK(dropped > 0);
  CHECK(dropped % 2 == 0);  // whole turns: a question and its answer
  CHECK(g->stop_reason != StopReason::kContextFull);

  // Exactly what a fresh session answers to the system prompt and the turns that were kept.
  std::vector<ChatMessage> kept = {chat.front()};
  kept.insert(kept.end(), chat.begin() + 1 + dropped, chat.end());
  Session fresh = new_session(demo_model(), 1, 256);
  auto expected = fresh.chat(kept, greedy(48));
  REQUIRE(expected);
  CHECK(expected->text == g->text);
  CHECK(fresh.tokens() == session.tokens());
  ChatOptions system_only;
  system_only.add_generation_prompt = false;
  const std::vector<Token> system =
      *demo_model().tokenize(*demo_model().chat_prompt({chat.front()}, system_only), true, true);
  CHECK(std::equal(system.begin(), system.end(), session.tokens().begin()));
}

TEST_CASE("an answer that fills the context continues after the oldest turns give way", "[chat]") {
  const std::vector<ChatMessage> chat = long_chat("Be brief.", 2);
  GenerateOptions endless = greedy(400);
  for (Token eog : demo_model().info().eog_tokens)
    endless.sampling.logit_bias.push_back({eog, -INFINITY});
  Session stopping = new_session(demo_model(), 1, 256);
  auto stopped = stopping.chat(chat, endless);
  INFO((stopped ? "" : stopped.error().message()));
  REQUIRE(stopped);
  CHECK(stopped->stop_reason == StopReason::kContextFull);
  CHECK(stopped->stats.dropped_messages == 0);

  endless.on_context_full = ContextFull::kDropOldestTurns;
  Session session = new_session(demo_model(), 1, 256);
  auto g = session.chat(chat, endless);
  REQUIRE(g);
  INFO("stopping: " << stopped->stats.generated_tokens
                    << " tokens; dropping: " << g->stats.generated_tokens << " tokens, "
                    << g->stats.dropped_messages << " messages left out");
  CHECK(g->stats.dropped_messages == 4);  // both earlier turns, one after the other
  CHECK(g->stats.generated_tokens > stopped->stats.generated_tokens);
  // Once nothing is left to drop, a full context ends the answer.
  CHECK(g->stop_reason == StopReason::kContextFull);
  // The context holds the system prompt, the latest question and the answer (all but the last
  // sampled token, which is never evaluated).
  std::vector<ChatMessage> last = {chat.front(), chat.back()};
  std::vector<Token> expected = *demo_model().tokenize(*demo_model().chat_prompt(last), true, true);
  const size_t prompt = expected.size();
  for (size_t i = 0; i + 1 < g->tokens.size(); ++i) expected.push_back(g->tokens[i].token);
  CHECK(session.tokens() == expected);
  CHECK(prompt < session.tokens().size());
}

TEST_CASE("chat errors: no messages, unknown roles", "[chat]") {
  Session session = new_session(demo_model());
  CHECK(session.chat({}, greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  CHECK(session.chat({{"narrator", "x"}}, greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  CHECK(session.position() == 0);
}

}  // namespace shoptalk::test
