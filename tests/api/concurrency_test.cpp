// Reproducible sampling whatever the thread count, and many sessions on one model at once.
#include <thread>

#include "api_helpers.h"

namespace shoptalk::test {

namespace {
GenerateOptions seeded(uint64_t seed) {
  GenerateOptions o;
  o.max_tokens = 24;
  o.sampling.temperature = 1.0f;
  o.sampling.seed = seed;
  return o;
}

std::vector<ChatMessage> question(int i) {
  return {{"user", "Spindle VMC-" + std::to_string(i) + " runs hot at 55 °C. Can I keep cutting?"}};
}
}  // namespace

TEST_CASE("the same seed gives the same tokens on any thread count", "[concurrency]") {
  std::vector<Token> reference;
  for (int threads : {1, 2, 3}) {
    auto g = new_session(demo_model(), threads).chat(question(2), seeded(42));
    REQUIRE(g);
    CHECK(g->seed == 42);
    if (reference.empty())
      reference = ids_of(*g);
    else
      CHECK(ids_of(*g) == reference);
  }
  auto other_seed = new_session(demo_model(), 1).chat(question(2), seeded(43));
  REQUIRE(other_seed);
  CHECK(ids_of(*other_seed) != reference);
  GenerateOptions random = seeded(SamplingOptions::kRandomSeed);
  auto drawn = new_session(demo_model(), 1).chat(question(2), random);
  REQUIRE(drawn);
  random.sampling.seed = drawn->seed;
  auto replayed = new_session(demo_model(), 2).chat(question(2), random);
  REQUIRE(replayed);
  CHECK(ids_of(*replayed) == ids_of(*drawn));
}

TEST_CASE("many sessions on one model run concurrently with their solo results", "[concurrency]") {
  constexpr int kSessions = 6;
  std::vector<std::vector<Token>> solo(kSessions), together(kSessions);
  for (int i = 0; i < kSessions; ++i) {
    auto g = new_session(demo_model()).chat(question(i), seeded(static_cast<uint64_t>(i)));
    REQUIRE(g);
    solo[i] = ids_of(*g);
  }
  std::vector<Session> sessions;
  for (int i = 0; i < kSessions; ++i) sessions.push_back(new_session(demo_model()));
  std::vector<std::string> errors(kSessions);
  std::vector<std::thread> threads;
  for (int i = 0; i < kSessions; ++i) {
    threads.emplace_back([&, i] {
      auto g = sessions[static_cast<size_t>(i)].chat(question(i), seeded(static_cast<uint64_t>(i)));
      if (g)
        together[static_cast<size_t>(i)] = ids_of(*g);
      else
        errors[static_cast<size_t>(i)] = g.error().message();
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kSessions; ++i) {
    CHECK(errors[i].empty());
    CHECK(together[i] == solo[i]);
  }
}

}  // namespace shoptalk::test
