// The sampler on hand-made logits: greedy, each filter, penalties, bias, seeds.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "engine/sampling/logprobs.h"
#include "engine/sampling/sampler.h"

namespace shoptalk::engine {

namespace {
Sampler make(const SamplerParams& p, int32_t n_vocab = 8) {
  Sampler s;
  REQUIRE(s.reserve(n_vocab));
  REQUIRE(s.start(p));
  return s;
}

// What start() says about these parameters over a vocabulary of 8.
Status start(const SamplerParams& p) {
  Sampler s;
  REQUIRE(s.reserve(8));
  return s.start(p);
}

SamplerParams plain(float temperature) {
  SamplerParams p;
  p.temperature = temperature;
  p.top_k = 0;
  p.top_p = 1.0f;
  p.min_p = 0.0f;
  return p;
}

std::map<int32_t, int> histogram(Sampler& s, const std::vector<float>& logits, int draws) {
  std::map<int32_t, int> h;
  for (int i = 0; i < draws; ++i) ++h[s.sample(logits.data())];
  return h;
}
}  // namespace

TEST_CASE("greedy sampling takes the argmax, lowest id on ties", "[sampler]") {
  Sampler s = make(plain(0.0f));
  const std::vector<float> logits = {0.5f, 2.0f, -1.0f, 2.0f, 1.0f, 0.0f, 0.0f, 0.0f};
  CHECK(s.sample(logits.data()) == 1);
  SamplerParams negative = plain(-1.0f);
  CHECK(make(negative).sample(logits.data()) == 1);
}

TEST_CASE("top-k, top-p and min-p keep only the tokens they should", "[sampler]") {
  const std::vector<float> logits = {3.0f, 2.9f, 2.8f, 0.0f, -1.0f, -2.0f, -3.0f, -4.0f};
  SamplerParams k = plain(1.0f);
  k.top_k = 2;
  Sampler top_k = make(k);
  for (const auto& [id, n] : histogram(top_k, logits, 400)) CHECK((id == 0 || id == 1));

  SamplerParams p = plain(1.0f);
  p.top_p = 0.5f;  // token 0 alone has p ~0.35; with token 1 ~0.67 >= 0.5
  Sampler top_p = make(p);
  const auto hp = histogram(top_p, logits, 400);
  CHECK(hp.size() == 2);
  CHECK(hp.count(0) == 1);

  SamplerParams m = plain(1.0f);
  m.min_p = 0.5f;  // keeps p >= 0.5 p_max: logits >= 3 - ln 2
  Sampler min_p = make(m);
  for (const auto& [id, n] : histogram(min_p, logits, 400)) CHECK(id <= 2);
}

TEST_CASE("temperature sharpens and flattens the distribution", "[sampler]") {
  const std::vector<float> logits = {1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  Sampler cold = make(plain(0.1f));
  CHECK(histogram(cold, logits, 300)[0] == 300);
  Sampler hot = make(plain(100.0f));
  CHECK(histogram(hot, logits, 800).size() == 8);
}

TEST_CASE("penalties act on the window of accepted tokens", "[sampler]") {
  const std::vector<float> logits = {2.0f, 1.9f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  SamplerParams r = plain(0.0f);
  r.repeat_penalty = 1.5f;  // 2.0 / 1.5 < 1.9
  Sampler repeat = make(r);
  repeat.accept(0);
  CHECK(repeat.sample(logits.data()) == 1);

  SamplerParams f = plain(0.0f);
  f.frequency_penalty = 0.06f;
  f.penalty_last_n = 2;
  Sampler frequency = make(f);
  frequency.accept(0);
  CHECK(frequency.sample(logits.data()) == 0);  // 2.0 - 0.06 > 1.9
  frequency.accept(0);
  CHECK(frequency.sample(logits.data()) == 1);  // 2.0 - 0.12 < 1.9
  frequency.accept(5);
  frequency.accept(6);  // token 0 left the window of 2
  CHECK(frequency.sample(logits.data()) == 0);

  SamplerParams pr = plain(0.0f);
  pr.presence_penalty = 0.2f;
  Sampler presence = make(pr);
  presence.accept(0);
  CHECK(presence.sample(logits.data()) == 1);
  presence.reset();
  CHECK(presence.sample(logits.data()) == 0);
}

TEST_CASE("logit bias applies first; -inf bans a token", "[sampler]") {
  const std::vector<float> logits = {2.0f, 1.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  SamplerParams b = plain(1.0f);
  b.logit_bias = {{0, -INFINITY}, {7, 5.0f}};
  Sampler biased = make(b);
  const auto h = histogram(biased, logits, 300);
  CHECK(h.count(0) == 0);
  CHECK(h.at(7) > 250);
}

TEST_CASE("the same seed gives the same draws; reset restarts them", "[sampler]") {
  std::vector<float> logits(64);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = std::sin(static_cast<float>(i));
  SamplerParams p;
  p.seed = 1234;
  Sampler a = make(p, 64), b = make(p, 64);
  std::vector<int32_t> da, db;
  for (int i = 0; i < 50; ++i) da.push_back(a.sample(logits.data()));
  for (int i = 0; i < 50; ++i) db.push_back(b.sample(logits.data()));
  CHECK(da == db);
  a.reset();
  CHECK(a.sample(logits.data()) == da[0]);
  p.seed = 99;
  Sampler c = make(p, 64);
  std::vector<int32_t> dc;
  for (int i = 0; i < 50; ++i) dc.push_back(c.sample(logits.data()));
  CHECK(dc != da);
}

TEST_CASE("invalid sampling parameters are errors", "[sampler]") {
  SamplerParams p;
  p.top_p = 0.0f;
  CHECK(start(p).error().code() == ErrorCode::kInvalidArgument);
  p = {};
  p.logit_bias = {{8, 1.0f}};
  CHECK(start(p).error().code() == ErrorCode::kInvalidArgument);
  p = {};
  p.repeat_penalty = 0.0f;
  CHECK(!start(p));
  p = {};
  p.penalty_last_n = -1;
  CHECK(!start(p));
  Sampler none;
  CHECK(none.reserve(0).error().code() == ErrorCode::kInvalidArgument);
}

TEST_CASE("step probabilities: log-softmax, entropy and the top alternatives", "[sampler]") {
  const std::vector<float> logits = {0.0f, 0.0f, 0.0f, 0.0f};
  const StepProbabilities uniform = step_probabilities(logits.data(), 4, 2, 2);
  CHECK(uniform.logprob == Approx(std::log(0.25f)));
  CHECK(uniform.entropy == Approx(std::log(4.0f)));
  REQUIRE(uniform.top.size() == 2);
  CHECK(uniform.top[0].first == 0);
  CHECK(uniform.top[1].first == 1);
  const std::vector<float> peaked = {-30.0f, 30.0f, -30.0f, -30.0f};
  const StepProbabilities sure = step_probabilities(peaked.data(), 4, 1, 0);
  CHECK(sure.logprob == Approx(0.0f).margin(1e-6));
  CHECK(sure.entropy == Approx(0.0f).margin(1e-6));
  CHECK(sure.top.empty());
}

}  // namespace shoptalk::engine

namespace shoptalk::engine {

TEST_CASE("a mask comes before every other step: nothing brings a masked token back", "[sampler]") {
  const std::vector<float> logits = {5.0f, 4.0f, 1.0f, 0.5f, 0.0f, -1.0f, -2.0f, -3.0f};
  const uint32_t allowed = (1u << 2) | (1u << 5) | (1u << 7);  // tokens 2, 5, 7
  SamplerParams greedy = plain(0.0f);
  greedy.logit_bias = {{0, 100.0f}, {7, 4.5f}};
  CHECK(make(greedy).sample(logits.data(), &allowed) == 7);  // -3 + 4.5 beats 1.0

  SamplerParams sampled;  // top-k 40, top-p, min-p: the default chain
  sampled.temperature = 1.0f;
  sampled.seed = 9;
  sampled.logit_bias = {{1, INFINITY}};
  sampled.repeat_penalty = 1.5f;
  Sampler s = make(sampled);
  s.accept(2);
  for (int i = 0; i < 200; ++i) {
    const int32_t t = s.sample(logits.data(), &allowed);
    CHECK((t == 2 || t == 5 || t == 7));
  }
  const uint32_t one = 1u << 6;
  CHECK(make(plain(0.8f)).sample(logits.data(), &one) == 6);
  const uint32_t none = 0;
  CHECK(make(plain(0.8f)).sample(logits.data(), &none) == -1);
}

TEST_CASE("a bias that bans every allowed token leaves them equally likely", "[sampler]") {
  const std::vector<float> logits = {5.0f, 4.0f, 1.0f, 0.5f, 0.0f, -1.0f, -2.0f, -3.0f};
  const uint32_t allowed = (1u << 3) | (1u << 4);
  SamplerParams p = plain(1.0f);
  p.logit_bias = {{3, -INFINITY}, {4, -INFINITY}};
  Sampler s = make(p);
  std::map<int32_t, int> h;
  for (int i = 0; i < 400; ++i) ++h[s.sample(logits.data(), &allowed)];
  CHECK(h.size() == 2);
  CHECK(h[3] > 120);
  CHECK(h[4] > 120);
  p.temperature = 0.0f;
  CHECK(make(p).sample(logits.data(), &allowed) == 3);
}

}  // namespace shoptalk::engine
