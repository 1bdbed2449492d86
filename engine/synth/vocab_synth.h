// A vocabulary in the layout of a family's real one (docs/tokenizer.md): byte-level BPE with the
// 256 single-byte tokens in GPT-2 order, or SentencePiece with the <0xXX> byte-fallback tokens and
// scores; then distinct filler words (the first few BPE ones reachable through valid merges), and
// the family's special tokens at their real ids, with [PAD<id>] or reserved entries where the
// real vocabulary pads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/model/arch_spec.h"
#include "shoptalk/result.hpp"

namespace shoptalk::synth {

using engine::kTokenControl;
using engine::kTokenNormal;
using engine::kTokenUnused;
using engine::kTokenUserDefined;
using engine::TokenType;

struct SynthVocab {
  engine::VocabModel model = engine::VocabModel::kBpe;
  std::string pre;  // tokenizer.ggml.pre
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  std::vector<float> scores;                       // SentencePiece only
  std::vector<std::string> merges;                 // BPE only
  int32_t bos = -1, eos = -1, pad = -1, unk = -1;  // -1: not written
  bool add_bos = false;
};

// The vocabulary of n_vocab tokens for a model family of an architecture (empty: its default
// family) laid out as the family's VocabSpec says; an Error when n_vocab is too small to hold the
// byte tokens and the family's special tokens.
Result<SynthVocab> synthesize_vocab(const std::string& architecture, int64_t n_vocab,
                                    const std::string& family = "");

}  // namespace shoptalk::synth
