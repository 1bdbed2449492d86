// Token sampling: an optional mask of the allowed tokens (constrained generation) first, then
// logit bias, repetition/presence/frequency penalties, top-k, top-p, min-p, temperature and a
// seeded draw (temperature <= 0: the argmax, lowest id on ties). Names, defaults and order follow
// llama.cpp's sampler chain. The draw depends only on the logits, the
// seed and the accepted tokens, so the same inputs give the same tokens on any thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <random>
#include <utility>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct SamplerParams {
  float temperature = 0.8f;     // <= 0: greedy
  int top_k = 40;               // <= 0: every token
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off; > 1 discourages tokens seen in the window
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int penalty_last_n = 64;  // the window of accepted tokens the penalties look at; 0: off
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the logit of each token
  uint64_t seed = 0;
};

// A sampler over a vocabulary: its candidate buffers are allocated once (reserve), then reused by
// every generation (start), so drawing a token allocates nothing.
class Sampler {
 public:
  // Bytes of the candidate buffers of a sampler over n_vocab tokens.
  static size_t workspace_bytes(int32_t n_vocab);

  // Allocates the candidate buffers for n_vocab tokens; kOutOfMemory when that fails.
  Status reserve(int32_t n_vocab);
  // Checks the parameters (ranges, token ids of the logit bias) against the vocabulary, empties
  // the penalty window and restarts the random sequence from params.seed. Allocates only when the
  // penalty window or the bias list is longer than any earlier start() of this sampler had.
  Status start(const SamplerParams& params);

  // Draws the next token from one row of n_vocab logits. Does not accept it. With `allowed` (bit
  // t of word t / 32 set: token t may be drawn), only allowed tokens are candidates, before every
  // other step, so no bias or penalty brings back a masked token; when the bias bans every
  // allowed token they are drawn as if equally likely. -1 when the mask allows no token.
  int32_t sample(const float* logits, const uint32_t* allowed = nullptr);
  // Adds a token to the penalty window (prompt tokens as well as generated ones).
  void accept(int32_t token);
  // Empties the penalty window and restarts the random sequence from the seed.
  void reset();

 private:
  struct Candidate {
    int32_t id;
    float logit;
  };
  template <class T>
  struct FreeArray {
    void operator()(T* p) const { std::free(p); }
  };
  // The candidate of token `id` (candidates_ is in id order then), nullptr when masked out.
  Candidate* find(int32_t id);
  void apply_penalties();
  void keep_top_k();
  void keep_top_p();
  void keep_min_p();
  // Softmax of the candidates' logits (divided by temperature) into probs_; they stay sorted.
  void softmax(float temperature);

  SamplerParams params_;
  int32_t n_vocab_ = 0;
  std::mt19937_64 rng_;
  // The last penalty_last_n accepted tokens: a ring of window_.size() slots from window_start_.
  std::vector<int32_t> window_;
  size_t window_start_ = 0;
  size_t window_count_ = 0;
  std::vector<int32_t> seen_;  // the window, sorted (apply_penalties)
  std::unique_ptr<Candidate[], FreeArray<Candidate>> candidates_;  // n_vocab_ of room
  std::unique_ptr<float[], FreeArray<float>> probs_;
  size_t n_candidates_ = 0;
};

}  // namespace shoptalk::engine
