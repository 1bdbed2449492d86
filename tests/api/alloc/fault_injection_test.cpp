// Out of memory is an error value, never an exception or a crash (docs/api.md, "Memory and
// errors"): the way SQLite tests malloc failure, each operation runs again and again with its 1st,
// 2nd, ... allocation failing (alloc_hooks.h) until it succeeds. Every failed run returns
// kOutOfMemory, and afterwards the model, the session and the other sessions still give the same
// greedy generation as before.
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "alloc_hooks.h"
#include "api_helpers.h"
#include "shoptalk/shoptalk.h"

namespace shoptalk::test {

namespace {

template <class T>
Status status_of(const Result<T>& result) {
  return result ? Status() : Status(result.error());
}

const char* kPrompt = "Belt speed 30 %, motor current 8.5 A.";

// The synthesized model file, removed at exit.
struct TempModel {
  std::string path = temp_path("fault-injection-qwen3.gguf");
  TempModel() {
    if (!synthesize_model(random_chat_synth("qwen3", "qwen3"), path))
      FAIL("cannot synthesize the model");
  }
  ~TempModel() { std::remove(path.c_str()); }
};

const std::string& tiny_model_path() {
  static const TempModel model;
  return model.path;
}

ModelOptions tiny_options() {
  ModelOptions options;
  options.threads = 2;
  options.context = 128;
  return options;
}

const Model& tiny_model() {
  static const Model model = [] {
    auto m = Model::load(tiny_model_path(), tiny_options());
    if (!m) FAIL(m.error().message());
    return std::move(m).value();
  }();
  return model;
}

Session new_tiny_session() {
  auto session = Session::create(tiny_model());
  if (!session) FAIL(session.error().message());
  return std::move(session).value();
}

// A short greedy generation from the prompt: what every check afterwards must give again.
std::vector<Token> short_generation(Session& session) {
  session.reset();
  if (!session.prompt(kPrompt)) return {};
  auto g = session.generate(greedy(6));
  return g ? ids_of(*g) : std::vector<Token>{};
}

const std::vector<Token>& expected_generation() {
  static const std::vector<Token> expected = [] {
    Session session = new_tiny_session();
    return short_generation(session);
  }();
  return expected;
}

// Runs `call` with its 1st, 2nd, ... allocation failing until a run makes no failure happen,
// after `prepare` (not counted) each time. A run that failed must return kOutOfMemory (one whose
// failed allocation had a fallback may succeed), and `check` must hold after each. Returns the
// number of runs.
int fail_each_allocation(const std::function<Status()>& call, const std::function<void()>& prepare,
                         const std::function<void()>& check) {
  for (uint64_t n = 1;; ++n) {
    prepare();
    alloc::fail_nth(n);
    const Status status = call();
    alloc::fail_nth(0);
    const bool injected = alloc::failed();
    if (!injected) {
      INFO("the run with no failure");
      if (!status) FAIL(status.error().message());
      return static_cast<int>(n);
    }
    if (!status) {
      INFO("allocation " << n << " failed: " << status.error().message());
      CHECK(status.error().code() == ErrorCode::kOutOfMemory);
    }
    check();
  }
}

// A C call's status as a Status: kOutOfMemory for SHOPTALK_OUT_OF_MEMORY, kInternal with the
// status's name for any other failure.
Status c_status(shoptalk_status status) {
  if (status == SHOPTALK_OK) return {};
  return Error(status == SHOPTALK_OUT_OF_MEMORY ? ErrorCode::kOutOfMemory : ErrorCode::kInternal,
               std::string(shoptalk_status_name(status)) + ": " + shoptalk_last_error());
}

}  // namespace

TEST_CASE("every failed allocation is kOutOfMemory and leaves everything usable", "[alloc]") {
  REQUIRE(expected_generation().size() == 6);
  Session other = new_tiny_session();
  auto other_usable = [&] { CHECK(short_generation(other) == expected_generation()); };
  const std::vector<ChatMessage> chat = {{"system", "Answer briefly."}, {"user", kPrompt}};

  SECTION("model load") {
    const int runs = fail_each_allocation(
        [] { return status_of(Model::load(tiny_model_path(), tiny_options())); }, [] {},
        other_usable);
    INFO(runs << " runs");
    CHECK(runs > 1);
  }
  SECTION("session creation") {
    fail_each_allocation([] { return status_of(Session::create(tiny_model())); }, [] {},
                         other_usable);
  }
  SECTION("prompt, generate, chat and state restore, on a session that stays usable") {
    Session session = new_tiny_session();
    auto both_usable = [&] {
      CHECK(short_generation(session) == expected_generation());
      other_usable();
    };
    fail_each_allocation([&] { return session.prompt(kPrompt); }, [&] { session.reset(); },
                         both_usable);
    fail_each_allocation([&] { return status_of(session.generate(greedy(6))); },
                         [&] {
                           session.reset();
                           REQUIRE(session.prompt(kPrompt));
                         },
                         both_usable);
    fail_each_allocation([&] { return status_of(session.chat(chat, greedy(6))); },
                         [&] { session.reset(); }, both_usable);
    REQUIRE(session.prompt(kPrompt));
    auto state = session.save_state();
    REQUIRE(state);
    fail_each_allocation([&] { return session.load_state(state->data(), state->size()); },
                         [&] { session.reset(); }, both_usable);
  }
}

TEST_CASE("through the C API too, a failed allocation is SHOPTALK_OUT_OF_MEMORY", "[alloc]") {
  REQUIRE(expected_generation().size() == 6);
  Session other = new_tiny_session();
  auto other_usable = [&] { CHECK(short_generation(other) == expected_generation()); };
  shoptalk_model_options model_options;
  shoptalk_model_options_init(&model_options);
  model_options.threads = 2;
  model_options.context = 128;

  shoptalk_model* model = nullptr;
  fail_each_allocation(
      [&] {
        shoptalk_model_free(model);
        model = nullptr;
        return c_status(shoptalk_model_load(tiny_model_path().c_str(), &model_options, &model));
      },
      [] {}, other_usable);
  REQUIRE(model);
  shoptalk_session* session = nullptr;
  fail_each_allocation(
      [&] {
        shoptalk_session_free(session);
        session = nullptr;
        return c_status(shoptalk_session_create(model, nullptr, &session));
      },
      [] {}, other_usable);
  REQUIRE(session);
  shoptalk_generate_options options;
  shoptalk_generate_options_init(&options);
  options.max_tokens = 6;
  options.temperature = 0.0f;
  // The C session gives the C++ API's greedy tokens afterwards.
  auto c_usable = [&] {
    shoptalk_session_reset(session);
    shoptalk_generation_info info;
    REQUIRE(shoptalk_session_generate(session, kPrompt, &options, nullptr, nullptr, &info) ==
            SHOPTALK_OK);
    std::vector<Token> ids;
    for (int i = 0; i < info.generated_tokens; ++i) ids.push_back(info.tokens[i].token);
    CHECK(ids == expected_generation());
    other_usable();
  };
  fail_each_allocation(
      [&] {
        shoptalk_generation_info info;
        return c_status(
            shoptalk_session_generate(session, kPrompt, &options, nullptr, nullptr, &info));
      },
      [&] { shoptalk_session_reset(session); }, c_usable);
  const shoptalk_chat_message chat[] = {{"system", "Answer briefly."}, {"user", kPrompt}};
  fail_each_allocation(
      [&] {
        shoptalk_generation_info info;
        return c_status(shoptalk_session_chat(session, chat, 2, &options, nullptr, nullptr, &info));
      },
      [&] { shoptalk_session_reset(session); }, c_usable);
  shoptalk_session_free(session);
  shoptalk_model_free(model);
}

}  // namespace shoptalk::test
