#include "engine/tokenizer/special_tokens.h"

namespace shoptalk::engine {

namespace {

uint64_t edge_key(int32_t node, uint8_t byte) {
  return (static_cast<uint64_t>(node) << 8) | byte;
}

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

}  // namespace

SpecialTokenMatcher::SpecialTokenMatcher(const Vocab& vocab) {
  node_token_.push_back(-1);  // the root
  for (int32_t id = 0; id < vocab.size(); ++id) {
    if (!(vocab.attrs[static_cast<size_t>(id)] & (kAttrControl | kAttrUserDefined | kAttrUnknown)))
      continue;
    const std::string_view t = vocab.text(id);
    starts_[static_cast<uint8_t>(t[0])] = true;
    int32_t node = 0;
    for (char c : t) {
      auto [it, inserted] = edges_.emplace(edge_key(node, static_cast<uint8_t>(c)),
                                           static_cast<int32_t>(node_token_.size()));
      if (inserted) node_token_.push_back(-1);
      node = it->second;
    }
    if (node_token_[static_cast<size_t>(node)] < 0) node_token_[static_cast<size_t>(node)] = id;
  }
}

void SpecialTokenMatcher::partition(std::string_view text, bool parse_special, const Vocab& vocab,
                                    std::vector<Fragment>& out) const {
  size_t raw_start = 0, i = 0;
  while (i < text.size()) {
    if (!starts_[static_cast<uint8_t>(text[i])]) {
      ++i;
      continue;
    }
    int32_t best = -1;
    size_t best_end = 0;
    int32_t node = 0;
    for (size_t j = i; j < text.size(); ++j) {
      auto it = edges_.find(edge_key(node, static_cast<uint8_t>(text[j])));
      if (it == edges_.end()) break;
      node = it->second;
      const int32_t tok = node_token_[static_cast<size_t>(node)];
      if (tok >= 0 &&
          (parse_special || (vocab.attrs[static_cast<size_t>(tok)] & kAttrUserDefined))) {
        best = tok;
        best_end = j + 1;
      }
    }
    if (best < 0) {
      ++i;
      continue;
    }
    if (i > raw_start) out.push_back(Fragment{-1, text.substr(raw_start, i - raw_start)});
    out.push_back(Fragment{best, {}});
    i = best_end;
    if (vocab.attrs[static_cast<size_t>(best)] & kAttrRstrip)
      while (i < text.size() && is_ascii_space(text[i])) ++i;
    raw_start = i;
  }
  if (raw_start < text.size()) out.push_back(Fragment{-1, text.substr(raw_start)});
}

}  // namespace shoptalk::engine
