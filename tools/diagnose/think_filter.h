// Splits a streamed answer into its think block (<think>...</think>, the model's one-line
// reasoning) and the answer a technician reads, piece by piece: a tag split across pieces is
// held back until it is decided, so nothing of the think block ever leaks into the answer.
#pragma once

#include <string>
#include <string_view>

namespace shoptalk::diagnose {

class ThinkFilter {
 public:
  struct Split {
    std::string answer;    // visible text, ready to show
    std::string thinking;  // think-block text
  };

  Split feed(std::string_view piece);
  // The text held back at the end of the stream (a partial tag that never completed).
  Split finish();

 private:
  // Moves the pending text before `tag` to `out` and drops the tag: true. Without a whole tag,
  // moves all but a trailing partial tag: false.
  bool take_until(std::string_view tag, std::string& out);

  std::string pending_;
  bool in_think_ = false;
  bool after_think_ = false;  // drop the blank lines that follow </think>
};

}  // namespace shoptalk::diagnose
