// SentencePiece-style tokenization of "llama" vocabularies (docs/tokenizer.md):
// greedy merging of adjacent symbols by the score of their concatenation, with <0xXX> byte
// fallback for anything the vocabulary cannot spell.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/tokenizer/vocab.h"

namespace shoptalk::engine {

class SpmModel {
 public:
  explicit SpmModel(const Vocab& vocab);

  // Appends the ids of `text` (valid UTF-8, spaces already replaced by U+2581) to `out`.
  void encode(std::string_view text, const Vocab& vocab, std::vector<int32_t>& out) const;

 private:
  std::array<int32_t, 256> byte_token_{};  // <0xXX> (else the 1-byte text token), -1 if none
};

}  // namespace shoptalk::engine
