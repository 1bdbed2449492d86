// The model's own confidence at one generation step: log-probabilities from the softmax of the
// raw logits (temperature 1, no sampling options applied) and the entropy of that distribution.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace shoptalk::engine {

struct StepProbabilities {
  float logprob = 0.0f;                        // of the chosen token, natural log
  float entropy = 0.0f;                        // nats
  std::vector<std::pair<int32_t, float>> top;  // (token, logprob), most likely first
};

// For one row of n_vocab logits and the chosen token; `n_top` alternatives (lowest id first
// among equal logits).
StepProbabilities step_probabilities(const float* logits, int32_t n_vocab, int32_t token,
                                     int n_top);

}  // namespace shoptalk::engine
