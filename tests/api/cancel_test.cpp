// Cancellation from another thread: inside a long prefill (between layers), between generated
// tokens, and a session that stays usable afterwards.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "api_helpers.h"
#include "shoptalk/synth.hpp"
#include "test_support.h"

namespace shoptalk::test {

namespace {
// Big enough that a 2048-token prefill takes a good fraction of a second.
Model prefill_model() {
  SynthOptions synth;
  synth.architecture = "qwen3";
  synth.n_embd = 512;
  synth.n_layer = 8;
  synth.n_head = 8;
  synth.n_head_kv = 4;
  synth.n_ff = 1536;
  synth.n_vocab = 4096;
  synth.context = 4096;
  synth.quant = "q4_0";
  const std::string path = temp_path("cancel-model.gguf");
  REQUIRE(synthesize_model(synth, path));
  auto model = Model::load(path);
  std::remove(path.c_str());
  REQUIRE(model);
  return *model;
}

std::vector<Token> random_tokens(size_t n, int n_vocab) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<Token> dist(0, n_vocab - 1);
  std::vector<Token> t(n);
  for (Token& x : t) x = dist(rng);
  return t;
}
}  // namespace

TEST_CASE("a cancel from another thread stops a long prefill between layers", "[cancel]") {
  const Model model = prefill_model();
  std::atomic<bool> cancel{false};
  SessionOptions options;
  options.threads = 2;
  options.context = 2304;
  options.cancel = &cancel;
  auto session = Session::create(model, options);
  REQUIRE(session);
  REQUIRE(session->prompt(random_tokens(16, model.info().n_vocab)));
  const std::vector<Token> prompt = random_tokens(2048, model.info().n_vocab);

  Status status;
  const auto start = std::chrono::steady_clock::now();
  std::thread worker([&] { status = session->prompt(prompt); });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  cancel = true;
  worker.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(!status);
  CHECK(status.error().code() == ErrorCode::kCancelled);
  CHECK(session->position() == 16);  // as before the call
  CHECK(session->tokens().size() == 16);
  INFO("cancelled after " << seconds << " s");

  // Still cancelled: nothing runs. Cleared: the session continues as if never interrupted.
  CHECK(session->prompt(std::vector<Token>{1, 2, 3}).error().code() == ErrorCode::kCancelled);
  cancel = false;
  auto resumed = session->eval({1, 2, 3});
  REQUIRE(resumed);
  SessionOptions plain;
  plain.threads = 2;
  plain.context = 2304;
  auto fresh = Session::create(model, plain);
  REQUIRE(fresh);
  REQUIRE(fresh->prompt(random_tokens(16, model.info().n_vocab)));
  auto expected = fresh->eval({1, 2, 3});
  REQUIRE(expected);
  CHECK(*resumed == *expected);
}

TEST_CASE("a cancel during generation returns the partial answer, like a callback stop",
          "[cancel]") {
  std::atomic<bool> cancel{false};
  SessionOptions options;
  options.threads = 1;
  options.cancel = &cancel;
  auto session = Session::create(demo_model(), options);
  REQUIRE(session);
  const std::vector<ChatMessage> chat = {{"user", "Belt speed 30 %, motor hot."}};
  int pieces = 0;
  std::string streamed;
  auto g = session->chat(chat, greedy(50), [&](std::string_view piece) {
    streamed.append(piece);
    if (++pieces == 3) cancel = true;
    return true;
  });
  REQUIRE(g);
  CHECK(g->stop_reason == StopReason::kCancelled);
  CHECK(std::string(stop_reason_name(g->stop_reason)) == "cancelled");
  CHECK(pieces >= 3);
  CHECK(g->text == streamed);
  CHECK(!g->text.empty());
  CHECK(g->stats.generated_tokens == static_cast<int>(g->tokens.size()));
  const int cancelled_position = session->position();

  // The same answer stopped from the callback at the same piece: the same text and tokens.
  Session other = new_session(demo_model());
  int other_pieces = 0;
  auto stopped = other.chat(chat, greedy(50), [&](std::string_view) { return ++other_pieces < 3; });
  REQUIRE(stopped);
  CHECK(stopped->stop_reason == StopReason::kCallback);
  CHECK(g->text.rfind(stopped->text, 0) == 0);
  const std::vector<Token> cancelled_ids = ids_of(*g);
  const std::vector<Token> stopped_ids = ids_of(*stopped);
  REQUIRE(stopped_ids.size() <= cancelled_ids.size());
  CHECK(std::equal(stopped_ids.begin(), stopped_ids.end(), cancelled_ids.begin()));

  // The tokens evaluated before the cancel stay in the context; cleared, the session continues.
  CHECK(cancelled_position == static_cast<int>(session->tokens().size()));
  cancel = false;
  CHECK(session->generate(greedy(3)));
}

}  // namespace shoptalk::test
