// Stop strings on a text stream: text is released only once no stop string can start in it, so
// neither a stop string nor anything after it is ever released, even when it arrives split over
// several pieces.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace shoptalk::api {

class StopText {
 public:
  explicit StopText(const std::vector<std::string>& stops);  // empty strings are ignored

  // Appends a piece and returns the text that is now safe to release: everything before the
  // first stop string once one has appeared (then matched() is true), else everything but a
  // tail that could still begin a stop string.
  std::string push(std::string_view piece);
  bool matched() const { return matched_; }
  // The held-back tail, once the stream has ended without a stop string.
  std::string flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool matched_ = false;
};

}  // namespace shoptalk::api
