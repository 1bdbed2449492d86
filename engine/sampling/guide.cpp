#include "engine/sampling/guide.h"

#include <algorithm>
#include <cstring>

namespace shoptalk::engine {

Guide::Guide(const ThinkFormat& think, const std::vector<int32_t>& eog, int32_t n_vocab)
    : think_(think),
      eog_(eog),
      n_vocab_(n_vocab),
      mask_((static_cast<size_t>(std::max(n_vocab, 0)) + 31) / 32) {
  std::sort(eog_.begin(), eog_.end());
  think_.budget = std::max(think_.budget, 1);
}

Guide Guide::value(std::shared_ptr<const constraint::Constraint> value, const ThinkFormat& think,
                   const std::vector<int32_t>& eog, size_t max_bytes) {
  Guide g(think, eog, value->vocabulary().size());
  g.matcher_ = std::make_unique<constraint::Matcher>(value);
  g.value_c_ = std::move(value);
  g.value_text_.reserve(max_bytes);
  g.begin();
  return g;
}

Guide Guide::tools(std::shared_ptr<const constraint::Constraint> calls, ToolMode mode,
                   const CallFormat& format, const ThinkFormat& think,
                   const std::vector<int32_t>& eog, int32_t n_vocab, size_t max_bytes) {
  Guide g(think, eog, n_vocab);
  g.tools_ = true;
  g.mode_ = mode;
  g.call_ = format;
  if (calls) g.matcher_ = std::make_unique<constraint::Matcher>(calls);
  g.calls_c_ = std::move(calls);
  g.body_.reserve(max_bytes);
  g.begin();
  return g;
}

void Guide::begin() {
  if (think_.open >= 0)
    force({think_.open}, Phase::kThinking);
  else
    enter(Phase::kAnswer);
}

void Guide::force(std::vector<int32_t> tokens, Phase next) {
  if (tokens.empty()) {
    enter(next);
    return;
  }
  forced_ = std::move(tokens);
  forced_at_ = 0;
  next_ = next;
  phase_ = Phase::kForced;
}

void Guide::enter(Phase phase) {
  if (phase == Phase::kAnswer) {
    if (!tools_)
      phase = Phase::kValue;
    else if (mode_ == ToolMode::kRequired)
      return force({call_.open}, Phase::kCallBody);
    else
      phase = Phase::kFreeText;
  }
  if (phase == Phase::kCallBody) {
    matcher_->reset();
    body_.clear();
  }
  phase_ = phase;
}

bool Guide::is_eog(int32_t token) const {
  return std::binary_search(eog_.begin(), eog_.end(), token);
}

const uint32_t* Guide::single(int32_t token) {
  std::fill(mask_.begin(), mask_.end(), 0u);
  if (token >= 0 && token < n_vocab_) mask_[static_cast<size_t>(token) >> 5] |= 1u << (token & 31);
  return mask_.data();
}

const uint32_t* Guide::all_but(int32_t banned, bool eog) {
  std::fill(mask_.begin(), mask_.end(), ~0u);
  auto clear = [&](int32_t t) {
    if (t >= 0 && t < n_vocab_) mask_[static_cast<size_t>(t) >> 5] &= ~(1u << (t & 31));
  };
  clear(banned);
  if (!eog)
    for (int32_t t : eog_) clear(t);
  return mask_.data();
}

const uint32_t* Guide::mask() {
  switch (phase_) {
    case Phase::kForced:
      return single(forced_[forced_at_]);
    case Phase::kThinking:
      return all_but(think_.open, false);
    case Phase::kValue:
    case Phase::kCallBody:
      matcher_->fill_mask(mask_.data());
      return mask_.data();
    case Phase::kFreeText:
      return mode_ == ToolMode::kNone ? all_but(call_.open, true) : nullptr;
    case Phase::kAfterCall:
      single(call_.separator.empty() ? -1 : call_.separator.front());
      for (int32_t t : eog_)
        if (t >= 0 && t < n_vocab_) mask_[static_cast<size_t>(t) >> 5] |= 1u << (t & 31);
      return mask_.data();
    case Phase::kAnswer:
    case Phase::kDone:
      break;
  }
  return single(-1);
}

Status Guide::accept(int32_t token) {
  const auto refused = [&] {
    return Error(ErrorCode::kInternal,
                 "guided generation: token " + std::to_string(token) + " was not allowed");
  };
  switch (phase_) {
    case Phase::kForced:
      if (token != forced_[forced_at_]) return refused();
      if (++forced_at_ == forced_.size()) {
        if (closing_) bodies_.push_back(body_);
        closing_ = false;
        enter(next_);
      }
      return {};
    case Phase::kThinking: {
      if (is_eog(token) || token == think_.open) return refused();
      if (token == think_.close) {
        force(think_.separator, Phase::kAnswer);
      } else if (++thought_ >= think_.budget) {
        std::vector<int32_t> close{think_.close};
        close.insert(close.end(), think_.separator.begin(), think_.separator.end());
        force(std::move(close), Phase::kAnswer);
      }
      return {};
    }
    case Phase::kValue:
    case Phase::kCallBody: {
      if (Status st = matcher_->accept_token(token); !st) return st;
      if (is_eog(token)) {
        phase_ = Phase::kDone;
        return {};
      }
      std::string& text = phase_ == Phase::kValue ? value_text_ : body_;
      text.append(matcher_->constraint().vocabulary().bytes(token));
      if (matcher_->is_complete()) {
        if (phase_ == Phase::kValue)
          phase_ = Phase::kDone;
        else
          close_call();
      }
      return {};
    }
    case Phase::kFreeText:
      if (token == call_.open) {
        if (mode_ == ToolMode::kNone) return refused();
        enter(Phase::kCallBody);
      } else if (is_eog(token)) {
        phase_ = Phase::kDone;
      }
      return {};
    case Phase::kAfterCall:
      if (is_eog(token)) {
        phase_ = Phase::kDone;
        return {};
      }
      if (call_.separator.empty() || token != call_.separator.front()) return refused();
      {
        std::vector<int32_t> rest(call_.separator.begin() + 1, call_.separator.end());
        rest.push_back(call_.open);
        force(std::move(rest), Phase::kCallBody);
      }
      return {};
    case Phase::kAnswer:
    case Phase::kDone:
      break;
  }
  return refused();
}

void Guide::close_call() {
  force({call_.close}, call_.separator.empty() ? Phase::kDone : Phase::kAfterCall);
  closing_ = true;
}

bool Guide::complete() const {
  switch (phase_) {
    case Phase::kValue:
      return matcher_->can_end();
    case Phase::kFreeText:
    case Phase::kAfterCall:
    case Phase::kDone:
      return true;
    default:
      return false;
  }
}

}  // namespace shoptalk::engine
