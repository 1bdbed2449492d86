#include "engine/synth/vocab_synth.h"

#include <algorithm>
#include <cstdio>

#include "engine/model/arch_spec.h"
#include "engine/tokenizer/byte_level.h"

namespace shoptalk::synth {

namespace {

using engine::SpecialToken;
using engine::VocabSpec;

// The bytes in GPT-2's vocabulary order: the printable ones (which stand for themselves), then
// the others in increasing order.
std::vector<uint8_t> gpt2_byte_order() {
  std::vector<uint8_t> order;
  auto printable = [](int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  for (int b = 0; b < 256; ++b)
    if (printable(b)) order.push_back(static_cast<uint8_t>(b));
  for (int b = 0; b < 256; ++b)
    if (!printable(b)) order.push_back(static_cast<uint8_t>(b));
  return order;
}

// Filler word k: lower-case words of two or more letters in length-then-lexical order, every
// other one with a leading space (`space`: "Ġ" in byte-level BPE, "▁" in SentencePiece). Distinct
// from each other and from every other token.
std::string filler(int64_t k, const char* space) {
  int64_t w = k / 2;
  int length = 2;
  int64_t words_of_length = 26 * 26;
  while (w >= words_of_length) {
    w -= words_of_length;
    ++length;
    words_of_length *= 26;
  }
  std::string word(static_cast<size_t>(length), 'a');
  for (int i = length - 1; i >= 0; --i, w /= 26) word[static_cast<size_t>(i)] = char('a' + w % 26);
  return (k % 2 == 1 ? space : "") + word;
}

int32_t find_id(const std::vector<std::string>& tokens, const char* text) {
  if (!text) return -1;
  const auto it = std::find(tokens.begin(), tokens.end(), text);
  return it == tokens.end() ? -1 : static_cast<int32_t>(it - tokens.begin());
}

}  // namespace

Result<SynthVocab> synthesize_vocab(const std::string& architecture, int64_t n_vocab,
                                    const std::string& family_name) {
  const engine::ArchSpec* spec = engine::find_arch_spec(architecture);
  const engine::FamilySpec* family_spec = spec ? spec->family(family_name) : nullptr;
  if (!family_spec)
    return Error(ErrorCode::kInvalidArgument, "synth: no vocabulary for '" + architecture +
                                                  (family_name.empty() ? "" : " " + family_name) +
                                                  "'");
  const VocabSpec* family = &family_spec->vocab;

  const int64_t head = static_cast<int64_t>(family->head.size());
  const int64_t min_tail = family->tail.empty() ? 0 : family->tail.back().offset + 1;
  if (n_vocab < head + 256 + min_tail)
    return Error(ErrorCode::kInvalidArgument,
                 "synth: n_vocab " + std::to_string(n_vocab) + " is too small for " + architecture +
                     "'s vocabulary (at least " + std::to_string(head + 256 + min_tail) + ")");
  // The real tail block when it fits, else only up to the last special token.
  const int64_t tail = n_vocab >= head + 256 + family->tail_size ? family->tail_size : min_tail;
  const int64_t tail_start = n_vocab - tail;

  SynthVocab v;
  v.model = family->model;
  v.pre = family->pre;
  v.add_bos = family->add_bos;
  const bool spm = v.model == engine::VocabModel::kSpm;
  v.tokens.reserve(static_cast<size_t>(n_vocab));
  v.types.reserve(static_cast<size_t>(n_vocab));
  // SentencePiece scores: pieces by decreasing priority, specials and padding far below.
  const auto add = [&v, spm](std::string text, TokenType type, float score) {
    v.tokens.push_back(std::move(text));
    v.types.push_back(type);
    if (spm) v.scores.push_back(score);
  };
  for (const SpecialToken& s : family->head) add(s.text, s.type, 0.0f);
  if (spm) {
    for (int b = 0; b < 256; ++b) {
      char text[8];
      std::snprintf(text, sizeof text, "<0x%02X>", b);
      add(text, engine::kTokenByte, 0.0f);
    }
  } else {
    for (uint8_t b : gpt2_byte_order()) {
      std::string text;
      engine::byte_level::encode(std::string(1, static_cast<char>(b)), text);
      add(std::move(text), kTokenNormal, 0.0f);
    }
  }
  const int64_t first_filler = static_cast<int64_t>(v.tokens.size());
  for (int64_t k = 0; first_filler + k < tail_start; ++k) {
    add(filler(k, spm ? "\xE2\x96\x81" : "\xC4\xA0"), kTokenNormal, -static_cast<float>(k + 1));
    // Un-spaced two-letter fillers are merges of two byte tokens.
    if (!spm && k % 2 == 0 && k / 2 < 26 * 26) {
      const std::string& t = v.tokens.back();
      v.merges.push_back(t.substr(0, 1) + " " + t.substr(1));
    }
  }
  for (int64_t offset = 0; offset < tail; ++offset) {
    const auto named = std::find_if(family->tail.begin(), family->tail.end(),
                                    [offset](const SpecialToken& s) { return s.offset == offset; });
    if (named != family->tail.end()) {
      add(named->text, named->type, -1000.0f);
    } else if (family->fill == engine::TailFill::kPad) {
      add("[PAD" + std::to_string(tail_start + offset) + "]", kTokenUnused, -10000.0f);
    } else {
      add("<|reserved_special_token_" + std::to_string(offset) + "|>", kTokenControl, -1000.0f);
    }
  }
  v.bos = find_id(v.tokens, family->bos);
  v.eos = find_id(v.tokens, family->eos);
  v.pad = find_id(v.tokens, family->pad);
  v.unk = find_id(v.tokens, family->unk);
  return v;
}

}  // namespace shoptalk::synth
