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
  // Empty stop strings are ignored. Room is made for pieces of up to max_piece_bytes, so that
  // pushing them allocates nothing.
  explicit StopText(const std::vector<std::string>& stops, size_t max_piece_bytes = 0);

  // Appends a piece and returns the text that is now safe to release (valid until the next call):
  // everything before the first stop string once one has appeared (then matched() is true), else
  // everything but a tail that could still begin a stop string.
  std::string_view push(std::string_view piece);
  bool matched() const { return matched_; }
  // The held-back tail, once the stream has ended without a stop string.
  std::string_view flush();

 private:
  std::vector<std::string> stops_;
  std::string held_;
  std::string released_;
  bool matched_ = false;
};

}  // namespace shoptalk::api
