#include "engine/api/stop_text.h"

#include <algorithm>

namespace shoptalk::api {

StopText::StopText(const std::vector<std::string>& stops, size_t max_piece_bytes) {
  size_t longest = 0;
  for (const std::string& s : stops) {
    if (s.empty()) continue;
    stops_.push_back(s);
    longest = std::max(longest, s.size());
  }
  if (stops_.empty()) return;
  // What is held back never reaches the longest stop string; a piece comes on top.
  held_.reserve(longest + max_piece_bytes);
  released_.reserve(longest + max_piece_bytes);
}

std::string_view StopText::push(std::string_view piece) {
  if (matched_) return {};
  if (stops_.empty()) return piece;
  held_.append(piece);
  size_t first = std::string::npos;
  for (const std::string& stop : stops_) first = std::min(first, held_.find(stop));
  if (first != std::string::npos) {
    matched_ = true;
    released_.assign(held_, 0, first);
    held_.clear();
    return released_;
  }
  // The longest tail of held_ that is a proper prefix of some stop string.
  size_t hold = 0;
  for (const std::string& stop : stops_) {
    for (size_t k = std::min(stop.size() - 1, held_.size()); k > hold; --k) {
      if (held_.compare(held_.size() - k, k, stop, 0, k) == 0) {
        hold = k;
        break;
      }
    }
  }
  released_.assign(held_, 0, held_.size() - hold);
  held_.erase(0, held_.size() - hold);
  return released_;
}

std::string_view StopText::flush() {
  released_.swap(held_);
  held_.clear();
  return released_;
}

}  // namespace shoptalk::api
