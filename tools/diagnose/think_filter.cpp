#include "think_filter.h"

#include <algorithm>

namespace shoptalk::diagnose {

namespace {

constexpr std::string_view kOpen = "<think>";
constexpr std::string_view kClose = "</think>";

// Length of the longest suffix of `text` that is a proper prefix of `tag` (a tag that may still
// be completing).
size_t partial_tag_length(std::string_view text, std::string_view tag) {
  for (size_t n = std::min(text.size(), tag.size() - 1); n > 0; --n)
    if (text.substr(text.size() - n) == tag.substr(0, n)) return n;
  return 0;
}

}  // namespace

bool ThinkFilter::take_until(std::string_view tag, std::string& out) {
  const size_t at = pending_.find(tag);
  const bool found = at != std::string::npos;
  const size_t n = found ? at : pending_.size() - partial_tag_length(pending_, tag);
  out += pending_.substr(0, n);
  pending_.erase(0, found ? at + tag.size() : n);
  return found;
}

ThinkFilter::Split ThinkFilter::feed(std::string_view piece) {
  pending_ += piece;
  Split out;
  while (!pending_.empty()) {
    if (in_think_) {
      if (!take_until(kClose, out.thinking)) break;
      in_think_ = false;
      after_think_ = true;
      continue;
    }
    if (after_think_) {
      const size_t text = pending_.find_first_not_of(" \t\r\n");
      pending_.erase(0, text == std::string::npos ? pending_.size() : text);
      if (pending_.empty()) break;
      after_think_ = false;
    }
    if (!take_until(kOpen, out.answer)) break;
    in_think_ = true;
  }
  return out;
}

ThinkFilter::Split ThinkFilter::finish() {
  Split out;
  (in_think_ ? out.thinking : out.answer) = std::move(pending_);
  pending_.clear();
  return out;
}

}  // namespace shoptalk::diagnose
