// Byte-level BPE merging (docs/tokenizer.md): merge ranks from
// tokenizer.ggml.merges, applied lowest rank first (ties: leftmost) to one pre-tokenized piece.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/tokenizer/vocab.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

class BpeModel {
 public:
  // Reads the merges. Every merge's two parts and their concatenation must be tokens (as HF
  // requires), else an error.
  static Result<BpeModel> load(const gguf::GgufFile& file, const Vocab& vocab);

  // A mergeable adjacent pair, as queued: ordered by rank, then by position.
  struct Candidate {
    int32_t rank, left, left_id, right_id, result;
    bool operator>(const Candidate& o) const {
      return rank != o.rank ? rank > o.rank : left > o.left;
    }
  };
  // Per-call scratch buffers, so that one model can encode on many threads at once.
  struct Scratch {
    std::string encoded;
    std::vector<int32_t> id, prev, next;
    std::vector<Candidate> heap;  // min-heap
  };

  // Appends the ids of one piece (raw UTF-8 bytes) to `out`.
  void encode(const std::string& piece, const Vocab& vocab, Scratch& scratch,
              std::vector<int32_t>& out) const;

 private:
  struct Entry {
    uint64_t key;  // (left << 32 | right) + 1; 0 = empty slot
    int32_t rank;
    int32_t result;
  };
  const Entry* find(int32_t left, int32_t right) const;
  void insert(int32_t left, int32_t right, int32_t rank, int32_t result);

  std::vector<Entry> table_;  // open addressing, power-of-two size
  uint64_t mask_ = 0;
  std::array<int32_t, 256> byte_token_{};  // token of each single byte, -1 if none
};

}  // namespace shoptalk::engine
