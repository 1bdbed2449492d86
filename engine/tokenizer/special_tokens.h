// Splitting text at special-token occurrences (docs/tokenizer.md), before
// normalization and pre-tokenization. Matching is leftmost-longest over the raw bytes, as the HF
// tokenizers do: at the first position where any eligible token text occurs, the longest such
// text wins. CONTROL and UNKNOWN tokens are eligible only with parse_special; USER_DEFINED
// tokens always are.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace shoptalk::engine {

struct Fragment {
  int32_t token;          // >= 0: a matched special token; -1: raw text
  std::string_view text;  // raw text (token < 0)
};

class SpecialTokenMatcher {
 public:
  explicit SpecialTokenMatcher(const Vocab& vocab);

  // Appends the fragments of `text` to `out`; raw fragments are never empty.
  void partition(std::string_view text, bool parse_special, const Vocab& vocab,
                 std::vector<Fragment>& out) const;

 private:
  // A byte trie of the special token texts.
  std::unordered_map<uint64_t, int32_t> edges_;  // (node << 8 | byte) -> child node
  std::vector<int32_t> node_token_;              // the token whose text ends at a node, or -1
  std::array<bool, 256> starts_{};               // bytes that begin some special text
};

}  // namespace shoptalk::engine
