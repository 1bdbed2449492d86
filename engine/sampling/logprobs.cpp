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
    const int32_t n = std::min(n_top, n_vocab);
    std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
    for (int32_t i = 0; i < n_vocab; ++i) ids[static_cast<size_t>(i)] = i;
    std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int32_t a, int32_t b) {
      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
    });
    for (int32_t i = 0; i < n; ++i) {
      const int32_t id = ids[static_cast<size_t>(i)];
      out.top.emplace_back(id, static_cast<float>(logits[id] - max_logit - log_z));
    }
  }
  return out;
}

}  // namespace shoptalk::engine
