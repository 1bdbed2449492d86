// Tokenizer: text <-> token ids for the vocabulary stored in a GGUF (byte-level BPE "gpt2" with
// the Qwen2, Llama-3/smaug, GPT-4o, SmolLM/StarCoder and GPT-2 pre-tokenizers, or
// SentencePiece-style "llama"). Token ids match the Hugging Face tokenizers.
//
// Immutable after load; copies share the loaded data, and every method may be called from
// several threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

class Tokenizer {
 public:
  static Result<Tokenizer> from_gguf(const gguf::GgufFile& file);

  // add_special: add BOS/EOS as the vocabulary asks (add_bos/add_eos). parse_special: match
  // CONTROL token texts in `text` (USER_DEFINED tokens are matched either way). Invalid UTF-8
  // bytes in `text` are read as U+FFFD.
  std::vector<int32_t> tokenize(std::string_view text, bool add_special, bool parse_special) const;

  // The bytes of one token (possibly an incomplete UTF-8 sequence). CONTROL and UNKNOWN tokens
  // give their text only when `special`, else nothing. An id outside the vocabulary is an error.
  Result<std::string> token_to_piece(int32_t id, bool special) const;
  // The concatenated pieces as valid UTF-8 (an invalid or incomplete sequence becomes U+FFFD per
  // byte); for SentencePiece vocabularies the leading space of the first non-empty piece is
  // dropped. Equals the concatenated output of a StreamDecoder fed the same ids.
  Result<std::string> detokenize(const std::vector<int32_t>& ids, bool special) const;

  int32_t n_vocab() const;
  bool is_valid(int32_t id) const { return id >= 0 && id < n_vocab(); }
  int32_t bos_id() const;  // -1 when the vocabulary has none
  int32_t eos_id() const;  // -1 when the vocabulary has none
  bool add_bos() const;
  bool add_eos() const;
  // End of generation: the EOS/EOT/EOM ids and every token whose text ends a turn
  // (docs/tokenizer.md).
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog_ids() const;
  // A NORMAL or BYTE token: one that stands for plain text (not a control, user-defined, unknown
  // or unused token). Constrained generation only lets these match text.
  bool is_text_token(int32_t id) const;
  std::optional<int32_t> find_token(std::string_view text) const;
  Result<std::string_view> token_text(int32_t id) const;
  // SentencePiece vocabularies prefix text with a space when tokenizing and drop it again in
  // detokenize; StreamDecoder does the same.
  bool strips_leading_space() const;
  // The most bytes token_to_piece gives for any token.
  size_t max_piece_bytes() const;

 private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  friend class StreamDecoder;
  void append_piece(int32_t id, bool special, std::string& out) const;
  Status check_id(int32_t id) const;

  std::shared_ptr<const Impl> impl_;
};

// Incremental detokenization for one generation stream: push() appends the text that is
// complete so far and holds back a trailing incomplete UTF-8 sequence until later tokens
// complete it. The output is always valid UTF-8, and the concatenation of every push() and the
// final flush() equals Tokenizer::detokenize of the same ids. Allocates nothing after its
// construction, which makes room for the longest piece of the vocabulary.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool special = false);

  // Appends the complete text to `out` (an invalid id is an error and appends nothing).
  Status push(int32_t id, std::string& out);
  // Appends the held-back bytes, each as U+FFFD (they never became a complete character), to
  // `out`; resets.
  void flush(std::string& out);

 private:
  const Tokenizer* tokenizer_;
  bool special_;
  bool started_ = false;  // a non-empty piece has been seen
  std::string pending_;
};

}  // namespace shoptalk::engine
