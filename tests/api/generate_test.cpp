// Generation on the shipped demo model: llama.cpp's greedy answer reproduced through the chat
// template, streaming, stop strings, stop tokens, limits, confidence and statistics.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "api_helpers.h"

namespace shoptalk::test {

namespace {
const char* kCompressorQuestion =
    "Air compressor AC-03 shut down with fault T-112. Discharge temperature is 114 °C and network "
    "pressure 6.1 bar (setpoint 7.5 bar). Is it safe to restart?";

std::vector<ChatMessage> compressor_chat() {
  return {{"system", kSystem}, {"user", kCompressorQuestion}};
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}
}  // namespace

TEST_CASE("the demo model describes its chat template and end-of-generation tokens", "[generate]") {
  const ModelInfo& info = demo_model().info();
  CHECK(info.chat_family == "qwen3");
  CHECK(info.chat_error.empty());
  CHECK(std::binary_search(info.eog_tokens.begin(), info.eog_tokens.end(), 4093));  // <|im_end|>
  CHECK(demo_model().is_end_of_generation(4093));
  CHECK(!demo_model().is_end_of_generation(4092));
  auto prompt = demo_model().chat_prompt({{"user", "hi"}});
  REQUIRE(prompt);
  CHECK(*prompt == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
  ChatOptions no_think;
  no_think.enable_thinking = false;
  CHECK(*demo_model().chat_prompt({{"user", "hi"}}, no_think) ==
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n");
  CHECK(demo_model().chat_prompt({{"robot", "hi"}}).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("greedy chat reproduces llama.cpp's Q4_K_M answer up to its first near-tie",
          "[generate]") {
  // The demo model was trained on 512-token chats; this answer needs more room.
  SessionOptions long_context;
  long_context.threads = 2;
  long_context.context = 1024;
  long_context.allow_context_beyond_training = true;
  auto created = Session::create(demo_model(), long_context);
  REQUIRE(created);
  Session session = std::move(created).value();
  std::string streamed;
  int pieces = 0;
  GenerateOptions options = greedy(400);
  options.top_logprobs = 2;  // the runner-up where we part from llama.cpp's answer
  auto answer = session.chat(compressor_chat(), options, [&](std::string_view piece) {
    streamed.append(piece);
    ++pieces;
    return true;
  });
  REQUIRE(answer);
  const std::string expected = read_text(SHOPTALK_API_DATA_DIR "/compressor_answer_Q4_K_M.txt");
  REQUIRE(!expected.empty());
  std::vector<Token> ids = *demo_model().tokenize(expected, false, true);
  ids.push_back(4093);
  CHECK(streamed == answer->text);
  CHECK(pieces > 50);
  // llama.cpp's answer (its AVX2 build, with its own weight repacking) is followed token for
  // token until the model's two best tokens are within 0.1 nats of each other, where llama.cpp's
  // token must be our runner-up: there any difference in float summation order may legitimately
  // take the other branch (the README's rule for the reference models too). E.g. armv7 NEON,
  // without FMA, takes "115 °C" for "114" at step 8 (margin 0.03).
  const std::vector<Token> got = ids_of(*answer);
  size_t same = 0;
  while (same < got.size() && same < ids.size() && got[same] == ids[same]) ++same;
  INFO("identical for " << same << " of " << ids.size() << " tokens");
  if (same < ids.size()) {
    REQUIRE(same < answer->tokens.size());
    const std::vector<TokenLogprob>& top = answer->tokens[same].top;
    REQUIRE(top.size() == 2);
    CHECK(top[1].token == ids[same]);
    CHECK(top[0].logprob - top[1].logprob < 0.1f);
  } else {
    CHECK(answer->text == expected);
    CHECK(answer->stop_reason == StopReason::kEndOfGeneration);
  }

  const GenerationStats& st = answer->stats;
  CHECK(st.prompt_tokens == session.position() - st.generated_tokens + 1);
  CHECK(st.reused_tokens == 0);
  CHECK(st.generated_tokens == static_cast<int>(answer->tokens.size()));
  CHECK(st.time_to_first_token > 0.0);
  CHECK(st.time_to_first_token >= st.prompt_seconds);
  CHECK(st.prefill_tokens_per_second() > 0.0);
  CHECK(st.decode_tokens_per_second() > 0.0);
  // A trained model is sure of most of this familiar answer.
  CHECK(answer->confidence.mean_logprob < 0.0f);
  CHECK(answer->confidence.mean_logprob > -0.5f);
  CHECK(answer->confidence.min_logprob <= answer->confidence.mean_logprob);
  CHECK(answer->confidence.mean_entropy > 0.0f);
}

TEST_CASE("a stop string spanning pieces stops generation and is never emitted", "[generate]") {
  // Greedy, the answer's think block reads "Discharge 114 °C, normal 80–95 °C, ...": "°C, normal"
  // spans several tokens (and follows the near-tie "114"/"115" that some levels break the other
  // way, see above).
  const std::vector<ChatMessage> chat = compressor_chat();
  Session reference = new_session(demo_model());
  auto full = reference.chat(chat, greedy(40));
  REQUIRE(full);
  const std::string stop = "°C, normal";
  const size_t at = full->text.find(stop);
  REQUIRE(at != std::string::npos);
  // It spans pieces: no single generated token's text contains it.
  for (const GeneratedToken& t : full->tokens)
    CHECK(demo_model().detokenize({t.token})->find(stop) == std::string::npos);

  Session session = new_session(demo_model());
  GenerateOptions options = greedy(40);
  options.stop_strings = {stop, "never appears"};
  std::string streamed;
  auto stopped = session.chat(chat, options, [&](std::string_view piece) {
    streamed.append(piece);
    return true;
  });
  REQUIRE(stopped);
  CHECK(stopped->stop_reason == StopReason::kStopString);
  CHECK(stopped->text == full->text.substr(0, at));
  CHECK(streamed == stopped->text);
  CHECK(stopped->tokens.size() < full->tokens.size());
}

TEST_CASE("stop tokens, max_tokens and the callback end a generation", "[generate]") {
  Session session = new_session(demo_model());
  auto full = session.chat(compressor_chat(), greedy(30));
  REQUIRE(full);
  CHECK(full->stop_reason == StopReason::kMaxTokens);
  CHECK(full->tokens.size() == 30);

  GenerateOptions by_token = greedy(30);
  by_token.stop_tokens = {full->tokens[5].token};
  auto stopped = new_session(demo_model()).chat(compressor_chat(), by_token);
  REQUIRE(stopped);
  CHECK(stopped->stop_reason == StopReason::kStopToken);
  CHECK(stopped->tokens.size() <= 6);
  std::vector<Token> text_ids = ids_of(*stopped);
  text_ids.pop_back();  // the stop token is not part of the text
  CHECK(stopped->text == *demo_model().detokenize(text_ids));

  int calls = 0;
  Session cb = new_session(demo_model());
  auto by_callback =
      cb.chat(compressor_chat(), greedy(30), [&](std::string_view) { return ++calls < 3; });
  REQUIRE(by_callback);
  CHECK(by_callback->stop_reason == StopReason::kCallback);
  CHECK(calls == 3);
  CHECK(full->text.rfind(by_callback->text, 0) == 0);

  GenerateOptions bad = greedy(5);
  bad.stop_tokens = {99999};
  CHECK(cb.generate(bad).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("top log-probabilities list the alternatives, the greedy choice first", "[generate]") {
  GenerateOptions options = greedy(8);
  options.top_logprobs = 3;
  auto g = new_session(demo_model()).chat(compressor_chat(), options);
  REQUIRE(g);
  for (const GeneratedToken& t : g->tokens) {
    REQUIRE(t.top.size() == 3);
    CHECK(t.top[0].token == t.token);
    CHECK(t.top[0].logprob == Approx(t.logprob));
    CHECK(t.top[0].logprob >= t.top[1].logprob);
    CHECK(t.top[1].logprob >= t.top[2].logprob);
  }
}

TEST_CASE("prompt, generate and the context limit", "[generate]") {
  Session session = new_session(demo_model(), 1, 64);
  CHECK(session.generate(greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  GenerateOptions endless = greedy(200);
  for (Token eog : demo_model().info().eog_tokens)
    endless.sampling.logit_bias.push_back({eog, -INFINITY});
  auto g = session.generate("Work order: conveyor CV-07.", endless);
  REQUIRE(g);
  CHECK(g->stop_reason == StopReason::kContextFull);
  CHECK(session.position() == 64);
  CHECK(session.tokens().size() == 64);
  CHECK(session.prompt("more").error().code() == ErrorCode::kContextOverflow);
  REQUIRE(session.truncate(10));
  CHECK(session.position() == 10);
  CHECK(session.generate(greedy(4)).error().code() == ErrorCode::kInvalidArgument);
  CHECK(!session.truncate(11));
  REQUIRE(session.prompt(std::vector<Token>{session.tokens().back()}));
  CHECK(session.generate(greedy(4)));
}

TEST_CASE("thinking off pre-fills an empty think block", "[generate]") {
  GenerateOptions options = greedy(20);
  options.enable_thinking = false;
  Session session = new_session(demo_model());
  auto g = session.chat(compressor_chat(), options);
  REQUIRE(g);
  CHECK(g->text.find("<think>") == std::string::npos);
  const std::string context = *demo_model().detokenize(session.tokens(), true);
  CHECK(context.find("<|im_start|>assistant\n<think>\n\n</think>\n\n") != std::string::npos);
}

}  // namespace shoptalk::test
