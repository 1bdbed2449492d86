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

ThinkFilter::Split ThinkFilter::feed(std::string_view piece) {
  pending_ += piece;
  Split out;
  while (!pending_.empty()) {
    if (in_think_) {
      const size_t end = pending_.find(kClose);
      if (end != std::string::npos) {
        out.thinking += pending_.substr(0, end);
        pending_.erase(0, end + kClose.size());
        in_think_ = false;
        after_think_ = true;
        continue;
      }
      const size_t keep = partial_tag_length(pending_, kClose);
      out.thinking += pending_.substr(0, pending_.size() - keep);
      pending_.erase(0, pending_.size() - keep);
      break;
    }
    if (after_think_) {
      const size_t text = pending_.find_first_not_of(" \t\r\n");
      pending_.erase(0, text == std::string::npos ? pending_.size() : text);
      if (pending_.empty()) break;
      after_think_ = false;
    }
    const size_t start = pending_.find(kOpen);
    if (start != std::string::npos) {
      out.answer += pending_.substr(0, start);
      pending_.erase(0, start + kOpen.size());
      in_think_ = true;
      continue;
    }
    const size_t keep = partial_tag_length(pending_, kOpen);
    out.answer += pending_.substr(0, pending_.size() - keep);
    pending_.erase(0, pending_.size() - keep);
    break;
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
