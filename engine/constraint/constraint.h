// Constrained generation: the output must match a JSON Schema, a GBNF grammar or a regular
// expression, and the sampler only ever picks tokens that keep it a valid prefix.
//
// How to use it (the generation loop):
//
//   // Once per model: the bytes of every token, a trie over them, the end-of-generation ids.
//   std::shared_ptr<const Vocabulary> vocab = Vocabulary::from_tokenizer(tokenizer);
//   // Once per constraint text (shared by every session and thread; ~ms to compile):
//   auto c = Constraint::compile(Kind::kJsonSchema, schema_text, vocab);
//   if (!c) report(c.error().message());   // "json schema: line 3, column 14: ..."
//   // Per generation (cheap):
//   Matcher m(*c);
//   std::vector<uint32_t> mask(vocab->mask_words());
//   while (!m.is_complete()) {
//     m.fill_mask(mask.data());             // bit t of word t/32 set: token t is allowed
//     int32_t tok = sample_with_mask(logits, mask);
//     if (!m.accept_token(tok)) ...;        // refused tokens leave the matcher unchanged
//     if (vocab->is_eog(tok)) break;
//   }
//   // Text the chat template forces (a tool call's opening) goes in without tokens:
//   m.accept_text("{\"name\": \"get_weather\", \"arguments\": ");
//
// Semantics:
// - A token is allowed when its bytes extend the output to a valid prefix. CONTROL, UNKNOWN,
//   UNUSED and USER_DEFINED tokens (special tokens such as <|im_end|> or <think>) never match
//   text; the end-of-generation tokens are allowed exactly when can_end().
// - can_end(): the output so far is a complete value. is_complete(): complete and nothing may
//   follow (generation should stop; the mask then holds only the end-of-generation tokens).
// - Every valid prefix can be completed: compilation removes dead ends, and a constraint that
//   matches nothing, or only the empty string, is refused.
// - Matcher is a small value (copyable); Constraint is immutable apart from its mask and
//   transition caches, which are shared between matchers behind a mutex (not held while a mask
//   is copied).
//
// The three kinds (details in docs/constraints.md):
// - kJsonSchema: the output is one JSON value (no leading whitespace) that validates against the
//   schema; keys in the order of `properties`; at most a few whitespace bytes between tokens.
// - kGbnf: llama.cpp's grammar syntax, from the rule `root` (see gbnf.h).
// - kRegex: the whole output matches the ECMAScript-style regex (see regex.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk::engine {
class Tokenizer;
}

namespace shoptalk::engine::constraint {

enum class Kind { kJsonSchema, kGbnf, kRegex };

struct Options {
  // JSON Schema: the whitespace allowed between two JSON tokens: nothing, one space, or a newline
  // followed by up to `json_max_indent` spaces or tabs. Negative: no whitespace at all.
  int json_max_indent = 20;
  // Memory for cached masks and transitions, shared by the constraint's matchers; when full, the
  // caches are cleared and rebuilt on demand.
  size_t cache_bytes = size_t{128} << 20;
};

// The token bytes of one model vocabulary and a trie over them. Build once per model and share.
class Vocabulary {
 public:
  // From a tokenizer: byte-level BPE tokens decode to their bytes, SentencePiece pieces have '▁'
  // as a space and <0xXX> byte tokens their byte.
  static std::shared_ptr<const Vocabulary> from_tokenizer(const Tokenizer& tokenizer);
  // From explicit pieces (tests, tools): token i has bytes pieces[i]; `special` ids never match
  // text; `eog` ids end generation.
  static std::shared_ptr<const Vocabulary> from_pieces(std::vector<std::string> pieces,
                                                       const std::vector<int32_t>& special,
                                                       const std::vector<int32_t>& eog);

  int32_t size() const { return static_cast<int32_t>(is_text_.size()); }
  // 32-bit words in a mask over this vocabulary.
  size_t mask_words() const { return (is_text_.size() + 31) / 32; }
  std::string_view bytes(int32_t id) const;
  bool is_text(int32_t id) const {
    return id >= 0 && id < size() && is_text_[static_cast<size_t>(id)];
  }
  bool is_eog(int32_t id) const;
  const std::vector<int32_t>& eog() const { return eog_; }

  // The trie, in depth-first order: one 64-bit word per node (layout below). Internal.
  const std::vector<uint64_t>& trie() const { return trie_; }
  // Other tokens with the same bytes as token t (-1 ends the chain). Internal.
  int32_t same_bytes_next(int32_t t) const { return dup_next_[static_cast<size_t>(t)]; }

  // Node layout: byte (8 bits) | depth (8) | subtree size in nodes (23) | other tokens share
  // these bytes (1) | node_utf8 (1) | node_char_end (1) | token ending here or kNoToken (22).
  static constexpr uint32_t kNoToken = 0x3FFFFF;
  static uint8_t node_byte(uint64_t n) { return static_cast<uint8_t>(n); }
  static uint32_t node_depth(uint64_t n) { return static_cast<uint32_t>(n >> 8) & 0xFF; }
  static uint32_t node_size(uint64_t n) { return static_cast<uint32_t>(n >> 16) & 0x7FFFFF; }
  static bool node_shared(uint64_t n) { return (n >> 39) & 1; }
  // The node's byte starts a character, and every token of the subtree continues from there
  // with valid UTF-8 (its last character possibly cut short).
  static constexpr uint64_t kNodeUtf8 = uint64_t{1} << 40;
  static bool node_utf8(uint64_t n) { return n & kNodeUtf8; }
  // The node's byte ends a character (or is not valid UTF-8 where it stands): its children start
  // characters.
  static bool node_char_end(uint64_t n) { return (n >> 41) & 1; }
  static uint32_t node_token(uint64_t n) { return static_cast<uint32_t>(n >> 42); }

  // Characters fall into 64 buckets (char_bucket() of their first byte): each ASCII punctuation
  // byte, space, tab, newline and carriage return alone; the other controls; digits; A-Z; a-z;
  // ranges of lead bytes above ASCII (Latin-1, Greek, Cyrillic, CJK...); bucket 63 is a byte
  // that cannot start a character. A set of buckets summarises which characters a subtree holds.
  static int char_bucket(uint8_t first_byte);
  // Text: the characters a JSON string takes as they are (all but controls, '"' and '\\').
  static uint64_t text_buckets();
  // The buckets of the characters that start at or below the node (its subtree's tokens, read
  // from the node on).
  uint64_t char_buckets(size_t node) const { return buckets_[node]; }
  // The tokens of the subtree of node i: tokens_in_order()[first_token(i) .. first_token(i +
  // size)).
  uint32_t first_token(size_t node) const { return first_token_[node]; }
  // For a node with node_utf8: the most characters a token of its subtree has from this node on
  // (at most 255; a character cut short counts).
  uint8_t text_chars(size_t node) const { return text_chars_[node]; }
  // The characters that start on the path from the root to the node, the node included.
  uint8_t chars_to(size_t node) const { return chars_to_[node]; }
  // Per entry of tokens_in_order(): the characters of the token (a character cut short counts).
  const std::vector<uint8_t>& chars_in_order() const { return dfs_chars_; }
  // Sets the bits of the tokens that are text from their first byte (valid UTF-8 of characters
  // in text_buckets()) and have at most `chars` characters.
  void add_text_tokens(int chars, uint32_t* bits) const;
  // Whether every token of the node's subtree is text from its first byte.
  bool only_text_tokens(size_t node) const {
    return (text_tokens_only_[node >> 6] >> (node & 63)) & 1;
  }
  const std::vector<int32_t>& tokens_in_order() const { return dfs_tokens_; }

 private:
  Vocabulary() = default;
  void build(std::vector<std::string> pieces, std::vector<char> is_text, std::vector<int32_t> eog);

  std::string arena_;
  std::vector<uint32_t> offsets_;
  std::vector<char> is_text_;
  std::vector<int32_t> eog_;  // sorted
  std::vector<uint64_t> trie_;
  std::vector<int32_t> dup_next_;
  std::vector<uint32_t> first_token_;  // per node, and one past the last
  std::vector<uint8_t> text_chars_;
  std::vector<uint8_t> chars_to_;
  std::vector<uint64_t> buckets_;
  // Tokens that are text, by characters: masks of those with at most 1..kShortText characters,
  // and the longer ones sorted by their count.
  static constexpr int kShortText = 32;
  std::vector<uint32_t> short_text_;  // kShortText masks of mask_words() words
  std::vector<std::pair<uint8_t, int32_t>> long_text_;
  std::vector<uint64_t> text_tokens_only_;  // a bit per node
  std::vector<int32_t> dfs_tokens_;
  std::vector<uint8_t> dfs_chars_;
};

// The ids of the tokens a mask allows, in increasing order (appended to `out`).
void mask_tokens(const uint32_t* words, size_t n_words, std::vector<int32_t>& out);

class Matcher;
class GrammarBuilder;
struct Runtime;

class Constraint {
 public:
  // Errors name the source and the position: "json schema: line 3, column 14: unsupported
  // keyword \"allOf\"", "grammar: line 2, column 9: expected '::='", "regex: column 4: ...".
  static Result<std::shared_ptr<const Constraint>> compile(Kind kind, std::string_view text,
                                                           std::shared_ptr<const Vocabulary> vocab,
                                                           const Options& options = {});
  // A grammar the caller built (e.g. tool calls framing several JSON schemas); `what` names it
  // in errors.
  static Result<std::shared_ptr<const Constraint>> compile(const GrammarBuilder& builder,
                                                           std::string_view what,
                                                           std::shared_ptr<const Vocabulary> vocab,
                                                           const Options& options = {});
  ~Constraint();
  const Vocabulary& vocabulary() const { return *vocab_; }

 private:
  friend class Matcher;
  Constraint() = default;
  std::shared_ptr<const Vocabulary> vocab_;
  std::unique_ptr<Runtime> rt_;
};

class Matcher {
 public:
  explicit Matcher(std::shared_ptr<const Constraint> constraint);

  // Sets bit t (word t / 32, bit t % 32) for every allowed token t, clears the others.
  // `words` has vocabulary().mask_words() entries.
  void fill_mask(uint32_t* words);
  // Advances by one token. An end-of-generation token is accepted when can_end() and finishes
  // the matcher. A token that is not allowed is an error and changes nothing.
  Status accept_token(int32_t token);
  // Advances by raw bytes (text the caller forces). An invalid continuation is an error and
  // changes nothing.
  Status accept_text(std::string_view bytes);
  // Whether the bytes would be accepted, without advancing.
  bool allows_text(std::string_view bytes);

  bool can_end() const;
  bool is_complete() const;
  // Back to the start of the constraint.
  void reset();

  const Constraint& constraint() const { return *c_; }

 private:
  void sync();
  std::shared_ptr<const Constraint> c_;
  int32_t config_ = 0;
  uint64_t epoch_ = 0;
  std::vector<int32_t> stacks_;  // the configuration, to find it again after a cache reset
  bool accept_ = false;
  bool has_stacks_ = false;
  bool finished_ = false;
};

}  // namespace shoptalk::engine::constraint
