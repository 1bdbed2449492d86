#include "engine/sampling/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace shoptalk::engine {

namespace {
Error invalid(const std::string& what) {
  return Error(ErrorCode::kInvalidArgument, "sampling: " + what);
}

// Higher logit first; the lower id first among equal logits, so the order is total.
bool before(float a_logit, int32_t a_id, float b_logit, int32_t b_id) {
  return a_logit > b_logit || (a_logit == b_logit && a_id < b_id);
}
}  // namespace

size_t Sampler::workspace_bytes(int32_t n_vocab) {
  return static_cast<size_t>(std::max(n_vocab, 0)) * (sizeof(Candidate) + sizeof(float));
}

Status Sampler::reserve(int32_t n_vocab) {
  if (n_vocab <= 0) return invalid("the vocabulary is empty");
  const size_t n = static_cast<size_t>(n_vocab);
  candidates_.reset(static_cast<Candidate*>(std::malloc(n * sizeof(Candidate))));
  probs_.reset(static_cast<float*>(std::malloc(n * sizeof(float))));
  if (!candidates_ || !probs_) {
    candidates_.reset();
    probs_.reset();
    n_vocab_ = 0;
    return Error(ErrorCode::kOutOfMemory, "cannot allocate the sampler's " +
                                              std::to_string(workspace_bytes(n_vocab)) + " bytes");
  }
  n_vocab_ = n_vocab;
  return {};
}

Status Sampler::start(const SamplerParams& params) {
  if (n_vocab_ <= 0) return invalid("the vocabulary is empty");
  if (!std::isfinite(params.temperature)) return invalid("temperature must be finite");
  if (!(params.top_p > 0.0f)) return invalid("top_p must be greater than 0");
  if (!(params.min_p < 1.0f)) return invalid("min_p must be less than 1");
  if (!(params.repeat_penalty > 0.0f) || !std::isfinite(params.repeat_penalty))
    return invalid("repeat_penalty must be a positive number");
  if (!std::isfinite(params.presence_penalty) || !std::isfinite(params.frequency_penalty))
    return invalid("presence and frequency penalties must be finite");
  if (params.penalty_last_n < 0) return invalid("penalty_last_n must not be negative");
  for (const auto& [id, bias] : params.logit_bias) {
    if (id < 0 || id >= n_vocab_)
      return invalid("logit bias names token " + std::to_string(id) +
                     ", outside the vocabulary of " + std::to_string(n_vocab_));
    if (std::isnan(bias)) return invalid("logit bias of token " + std::to_string(id) + " is NaN");
  }
  params_ = params;
  const size_t window = static_cast<size_t>(params.penalty_last_n);
  window_.resize(window);
  seen_.reserve(window);
  reset();
  return {};
}

void Sampler::accept(int32_t token) {
  if (window_.empty()) return;
  if (window_count_ < window_.size()) {
    window_[(window_start_ + window_count_++) % window_.size()] = token;
  } else {
    window_[window_start_] = token;
    window_start_ = (window_start_ + 1) % window_.size();
  }
}

Sampler::Candidate* Sampler::find(int32_t id) {
  if (id < 0 || id >= n_vocab_) return nullptr;
  if (n_candidates_ == static_cast<size_t>(n_vocab_)) return &candidates_[static_cast<size_t>(id)];
  Candidate* const first = candidates_.get();
  Candidate* const last = first + n_candidates_;
  Candidate* const it =
      std::lower_bound(first, last, id, [](const Candidate& c, int32_t v) { return c.id < v; });
  return it != last && it->id == id ? it : nullptr;
}

void Sampler::reset() {
  window_start_ = 0;
  window_count_ = 0;
  rng_.seed(params_.seed);
}

void Sampler::apply_penalties() {
  const bool active = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                      params_.frequency_penalty != 0.0f;
  if (!active || window_count_ == 0) return;
  seen_.clear();
  for (size_t i = 0; i < window_count_; ++i)
    seen_.push_back(window_[(window_start_ + i) % window_.size()]);
  std::sort(seen_.begin(), seen_.end());
  for (size_t i = 0; i < seen_.size();) {
    size_t j = i;
    while (j < seen_.size() && seen_[j] == seen_[i]) ++j;
    const int32_t id = seen_[i];
    const float count = static_cast<float>(j - i);
    i = j;
    Candidate* c = find(id);
    if (!c) continue;
    float& logit = c->logit;
    logit = logit > 0.0f ? logit / params_.repeat_penalty : logit * params_.repeat_penalty;
    logit -= count * params_.frequency_penalty + params_.presence_penalty;
  }
}

void Sampler::keep_top_k() {
  auto cmp = [](const Candidate& a, const Candidate& b) {
    return before(a.logit, a.id, b.logit, b.id);
  };
  Candidate* first = candidates_.get();
  const size_t k = params_.top_k > 0 ? static_cast<size_t>(params_.top_k) : n_candidates_;
  if (k < n_candidates_) {
    std::partial_sort(first, first + k, first + n_candidates_, cmp);
    n_candidates_ = k;
  } else {
    std::sort(first, first + n_candidates_, cmp);
  }
}

void Sampler::softmax(float temperature) {
  const float max_logit = candidates_[0].logit;
  double sum = 0.0;
  for (size_t i = 0; i < n_candidates_; ++i) {
    probs_[i] = std::exp((candidates_[i].logit - max_logit) / temperature);
    sum += probs_[i];
  }
  for (size_t i = 0; i < n_candidates_; ++i) probs_[i] = static_cast<float>(probs_[i] / sum);
}

void Sampler::keep_top_p() {
  if (params_.top_p >= 1.0f) return;
  softmax(1.0f);
  double cumulative = 0.0;
  size_t keep = n_candidates_;
  for (size_t i = 0; i < n_candidates_; ++i) {
    cumulative += probs_[i];
    if (cumulative >= params_.top_p) {
      keep = i + 1;
      break;
    }
  }
  n_candidates_ = keep;
}

void Sampler::keep_min_p() {
  if (params_.min_p <= 0.0f) return;
  // p_i >= min_p * p_max  <=>  logit_i >= logit_max + log(min_p).
  const float threshold = candidates_[0].logit + std::log(params_.min_p);
  size_t keep = 1;
  while (keep < n_candidates_ && candidates_[keep].logit >= threshold) ++keep;
  n_candidates_ = keep;
}

int32_t Sampler::sample(const float* logits, const uint32_t* allowed) {
  if (allowed) {
    n_candidates_ = 0;
    const size_t n_words = (static_cast<size_t>(n_vocab_) + 31) / 32;
    for (size_t w = 0; w < n_words; ++w) {
      for (uint32_t bits = allowed[w]; bits; bits &= bits - 1) {
        const int32_t id = static_cast<int32_t>(w * 32 + static_cast<size_t>(__builtin_ctz(bits)));
        if (id < n_vocab_) candidates_[n_candidates_++] = {id, logits[id]};
      }
    }
    if (n_candidates_ == 0) return -1;
  } else {
    n_candidates_ = static_cast<size_t>(n_vocab_);
    for (int32_t i = 0; i < n_vocab_; ++i) candidates_[static_cast<size_t>(i)] = {i, logits[i]};
  }
  for (const auto& [id, bias] : params_.logit_bias)
    if (Candidate* c = find(id)) c->logit += bias;
  apply_penalties();
  Candidate* const first = candidates_.get();
  Candidate* const last = first + n_candidates_;
  if (allowed && std::all_of(first, last, [](const Candidate& c) {
        return c.logit == -std::numeric_limits<float>::infinity();
      })) {
    std::for_each(first, last, [](Candidate& c) { c.logit = 0.0f; });
  }

  if (params_.temperature <= 0.0f) {
    const Candidate* best =
        std::min_element(first, last, [](const Candidate& a, const Candidate& b) {
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
  for (size_t i = 0; i < n_candidates_; ++i) {
    cumulative += probs_[i];
    if (u < cumulative) return candidates_[i].id;
  }
  return candidates_[n_candidates_ - 1].id;
}

}  // namespace shoptalk::engine
