#include "engine/sampling/logprobs.h"

#include <algorithm>
#include <cmath>

namespace shoptalk::engine {

StepProbabilities step_probabilities(const float* logits, int32_t n_vocab, int32_t token,
                                     int n_top) {
  const float max_logit = *std::max_element(logits, logits + n_vocab);
  // log Z = max + log Σ exp(l - max); entropy = log Z - Σ p·l (terms with p = 0 add nothing).
  double sum = 0.0;
  double weighted = 0.0;
  for (int32_t i = 0; i < n_vocab; ++i) {
    const double e = std::exp(static_cast<double>(logits[i] - max_logit));
    sum += e;
    if (e > 0.0) weighted += e * (logits[i] - max_logit);
  }
  const double log_z = std::log(sum);
  StepProbabilities out;
  out.logprob = static_cast<float>(logits[token] - max_logit - log_z);
  out.entropy = static_cast<float>(log_z - weighted / sum);
  if (n_top > 0) {
    // The n best (higher logit, then lower id) kept in out.top as a heap whose top is the worst
    // of them: no buffer the size of the vocabulary.
    const auto better = [](const std::pair<int32_t, float>& a, const std::pair<int32_t, float>& b) {
      return a.second > b.second || (a.second == b.second && a.first < b.first);
    };
    const size_t n = static_cast<size_t>(std::min(n_top, n_vocab));
    out.top.reserve(n);
    for (int32_t i = 0; i < n_vocab; ++i) {
      const std::pair<int32_t, float> candidate(i, logits[i]);
      if (out.top.size() < n) {
        out.top.push_back(candidate);
        std::push_heap(out.top.begin(), out.top.end(), better);
      } else if (better(candidate, out.top.front())) {
        std::pop_heap(out.top.begin(), out.top.end(), better);
        out.top.back() = candidate;
        std::push_heap(out.top.begin(), out.top.end(), better);
      }
    }
    std::sort_heap(out.top.begin(), out.top.end(), better);
    for (auto& entry : out.top) entry.second = static_cast<float>(entry.second - max_logit - log_z);
  }
  return out;
}

}  // namespace shoptalk::engine
