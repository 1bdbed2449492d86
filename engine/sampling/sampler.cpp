#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace shoptalk::engine {

namespace {
Error invalid(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "sampling: " + what);
}
}  // namespace

Result<Sampler> Sampler::create(const SamplerParams& params, int32_t n_vocab) {
  if (n_vocab <= 0) return invalid("the vocabulary is empty");
  if (!std::isfinite(params.temperature)) return invalid("temperature must be finite");
  if (!(params.top_p > 0.0f)) return invalid("top_p must be greater than 0");
  if (!(params.min_p < 1.0f)) return invalid("min_p must be less than 1");
  if (!(params.repeat_penalty > 0.0f) || !std::isfinite(params.repeat_penalty))
    return invalid("repeat_penalty must be a positive number");
  if (!std::isfinite(params.presence_penalty) || !std::isfinite(params.frequency_penalty))
    return invalid("presence and frequency penalties must be finite");
  if (params.penalty_last_n < 0) return invalid("penalty_last_n must not be negative");
  for (const auto& [id, bias] : params.logit_bias) {
    if (id < 0 || id >= n_vocab)
      return invalid("logit bias names token " + std::to_string(id) +
                     ", outside the vocabulary of " + std::to_string(n_vocab));
    if (std::isnan(bias)) return invalid("logit bias of token " + std::to_string(id) + " is NaN");
  }
  return Sampler(params, n_vocab);
}

Sampler::Sampler(const SamplerParams& params, int32_t n_vocab)
    : params_(params), n_vocab_(n_vocab), rng_(params.seed) {}

void Sampler::accept(int32_t token) {
  if (params_.penalty_last_n == 0) return;
  window_.push_back(token);
  if (window_.size() > static_cast<size_t>(params_.penalty_last_n)) window_.pop_front();
}

void Sampler::reset() {
  window_.clear();
  rng_.seed(params_.seed);
}

void Sampler::apply_penalties() {
  const bool active = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                      params_.frequency_penalty != 0.0f;
  if (!active || window_.empty()) return;
  std::vector<int32_t> seen(window_.begin(), window_.end());
  std::sort(seen.begin(), seen.end());
  for (size_t i = 0; i < seen.size();) {
    size_t j = i;
    while (j < seen.size() && seen[j] == seen[i]) ++j;
    const int32_t id = seen[i];
    const float count = static_cast<float>(j - i);
    i = j;
    if (id < 0 || id >= n_vocab_) continue;
    float& logit = candidates_[static_cast<size_t>(id)].logit;  // still in id order here
    logit = logit > 0.0f ? logit / params_.repeat_penalty : logit * params_.repeat_penalty;
    logit -= count * params_.frequency_penalty + params_.presence_penalty;
  }
}

namespace {
// Higher logit first; the lower id first among equal logits, so the order is total.
bool before(float a_logit, int32_t a_id, float b_logit, int32_t b_id) {
  return a_logit > b_logit || (a_logit == b_logit && a_id < b_id);
}
}  // namespace

void Sampler::keep_top_k() {
  auto cmp = [](const Candidate& a, const Candidate& b) {
    return before(a.logit, a.id, b.logit, b.id);
  };
  const size_t k = params_.top_k > 0 ? static_cast<size_t>(params_.top_k) : candidates_.size();
  if (k < candidates_.size()) {
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(k),
                      candidates_.end(), cmp);
    candidates_.resize(k);
  } else {
    std::sort(candidates_.begin(), candidates_.end(), cmp);
  }
}

void Sampler::softmax(float temperature) {
  const float max_logit = candidates_.front().logit;
  probs_.resize(candidates_.size());
  double sum = 0.0;
  for (size_t i = 0; i < candidates_.size(); ++i) {
    probs_[i] = std::exp((candidates_[i].logit - max_logit) / temperature);
    sum += probs_[i];
  }
  for (float& p : probs_) p = static_cast<float>(p / sum);
}

void Sampler::keep_top_p() {
  if (params_.top_p >= 1.0f) return;
  softmax(1.0f);
  double cumulative = 0.0;
  size_t keep = candidates_.size();
  for (size_t i = 0; i < probs_.size(); ++i) {
    cumulative += probs_[i];
    if (cumulative >= params_.top_p) {
      keep = i + 1;
      break;
    }
  }
  candidates_.resize(keep);
}

void Sampler::keep_min_p() {
  if (params_.min_p <= 0.0f) return;
  // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p).
  const float threshold = candidates_.front().logit + std::log(params_.min_p);
  size_t keep = 1;
  while (keep < candidates_.size() && candidates_[keep].logit >= threshold) ++keep;
  candidates_.resize(keep);
}

int32_t Sampler::sample(const float* logits) {
  candidates_.resize(static_cast<size_t>(n_vocab_));
  for (int32_t i = 0; i < n_vocab_; ++i) candidates_[static_cast<size_t>(i)] = {i, logits[i]};
  for (const auto& [id, bias] : params_.logit_bias)
    candidates_[static_cast<size_t>(id)].logit += bias;
  apply_penalties();

  if (params_.temperature <= 0.0f) {
    const auto best = std::min_element(candidates_.begin(), candidates_.end(),
                                       [](const Candidate& a, const Candidate& b) {
                                         return before(a.logit, a.id, b.logit, b.id);
                                       });
    return best->id;
  }
  keep_top_k();
  keep_top_p();
  keep_min_p();
  softmax(params_.temperature);
  // 53 random bits as a double in [0, 1): the same on every platform and standard library.
  const double u = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
  double cumulative = 0.0;
  for (size_t i = 0; i < probs_.size(); ++i) {
    cumulative += probs_[i];
    if (u < cumulative) return candidates_[i].id;
  }
  return candidates_.back().id;
}

}  // namespace shoptalk::engine
