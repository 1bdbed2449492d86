// Session state: save, restore, continue identically; refuse states of other models, contexts,
// and corrupt or truncated bytes.
#include <cstdio>

#include "api_helpers.h"
#include "shoptalk/synth.hpp"
#include "test_support.h"

namespace shoptalk::test {

namespace {
std::vector<ChatMessage> conversation() {
  return {{"system", kSystem},
          {"user", "Hydraulic press HP-04 does not reach full tonnage, pressure 150 bar."}};
}

GenerateOptions sampled(int max_tokens, uint64_t seed) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampling.seed = seed;
  o.sampling.repeat_penalty = 1.1f;
  return o;
}
}  // namespace

TEST_CASE("a restored state continues exactly as the original session", "[state]") {
  Session original = new_session(demo_model());
  REQUIRE(original.prompt(*demo_model().chat_prompt(conversation())));
  auto state = original.save_state();
  REQUIRE(state);
  auto expected = original.generate(sampled(40, 7));
  REQUIRE(expected);

  Session restored = new_session(demo_model());
  REQUIRE(restored.load_state(state->data(), state->size()));
  CHECK(restored.position() ==
        static_cast<int>(original.tokens().size() - expected->tokens.size() + 1));
  auto continued = restored.generate(sampled(40, 7));
  REQUIRE(continued);
  CHECK(ids_of(*continued) == ids_of(*expected));
  CHECK(continued->text == expected->text);
  CHECK(restored.tokens() == original.tokens());

  // Through a file, and into a session that already held something else.
  const std::string path = temp_path("state.bin");
  Session reused = new_session(demo_model());
  REQUIRE(reused.prompt("unrelated text"));
  Session source = new_session(demo_model());
  REQUIRE(source.prompt(*demo_model().chat_prompt(conversation())));
  REQUIRE(source.save_state_file(path));
  REQUIRE(reused.load_state_file(path));
  auto from_file = reused.generate(sampled(40, 7));
  REQUIRE(from_file);
  CHECK(ids_of(*from_file) == ids_of(*expected));
  std::remove(path.c_str());

  // An empty session's state restores to an empty session.
  auto empty = new_session(demo_model()).save_state();
  REQUIRE(empty);
  REQUIRE(reused.load_state(empty->data(), empty->size()));
  CHECK(reused.position() == 0);
}

TEST_CASE("states of another model, context or cache type, or damaged ones, are refused",
          "[state]") {
  Session session = new_session(demo_model());
  REQUIRE(session.prompt(*demo_model().chat_prompt(conversation())));
  auto state = session.save_state();
  REQUIRE(state);
  const std::vector<Token> before = session.tokens();

  const auto refused = [&](Session& s, const std::vector<uint8_t>& bytes) {
    const Status st = s.load_state(bytes.data(), bytes.size());
    return !st && st.error().code() == ErrorCode::kStateMismatch;
  };
  Session other_context = new_session(demo_model(), 1, 256);
  CHECK(refused(other_context, *state));
  SessionOptions q8;
  q8.kv_type = KvType::kQ8_0;
  auto other_kv = Session::create(demo_model(), q8);
  REQUIRE(other_kv);
  CHECK(refused(*other_kv, *state));

  // The same architecture and shapes with other weights: a synthetic copy of the demo model.
  const ModelInfo& info = demo_model().info();
  SynthOptions synth;
  synth.architecture = "qwen3";
  synth.n_embd = info.n_embd;
  synth.n_layer = info.n_layer;
  synth.n_head = info.n_head;
  synth.n_head_kv = info.n_head_kv;
  synth.head_dim = info.head_dim;
  synth.n_ff = info.n_ff;
  synth.n_vocab = info.n_vocab;
  synth.context = info.context_train;
  const std::string path = temp_path("state-other.gguf");
  REQUIRE(synthesize_model(synth, path));
  auto other_model = Model::load(path);
  REQUIRE(other_model);
  Session foreign = new_session(*other_model);
  CHECK(refused(foreign, *state));
  std::remove(path.c_str());

  std::vector<uint8_t> truncated(state->begin(), state->end() - 100);
  CHECK(refused(session, truncated));
  std::vector<uint8_t> corrupt = *state;
  corrupt[corrupt.size() / 2] ^= 0x01;
  CHECK(refused(session, corrupt));
  CHECK(refused(session, {}));
  // Version 1 (position-major cache rows, before the head-major cache) is named as such.
  std::vector<uint8_t> version1 = *state;
  version1[7] = '1';
  const Status old = session.load_state(version1.data(), version1.size());
  REQUIRE(!old);
  CHECK(old.error().code() == ErrorCode::kStateMismatch);
  CHECK(old.error().message().find("older shoptalk") != std::string::npos);
  CHECK(session.tokens() == before);  // a refused state changes nothing
  CHECK(session.load_state_file(temp_path("missing.bin")).error().code() == ErrorCode::kIo);
}

}  // namespace shoptalk::test
