// Sets of Unicode code points and their byte-level encodings: UTF-8 (grammars and regexes over
// raw text) and the canonical JSON string encoding (patterns, enum strings and keys inside JSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/constraint/grammar.h"
#include "engine/tokenizer/unicode.h"

namespace shoptalk::engine::constraint {

constexpr uint32_t kMaxCodePoint = 0x10FFFF;

// Code points as sorted, disjoint, non-adjacent ranges. Surrogates (U+D800..U+DFFF) are never
// members: they are not characters and have no UTF-8 encoding.
class CharSet {
 public:
  struct Range {
    uint32_t lo, hi;
  };
  static CharSet all();
  static CharSet of(uint32_t cp);

  void add(uint32_t lo, uint32_t hi);
  void add(const CharSet& other);
  CharSet complement() const;
  CharSet minus(const CharSet& other) const;
  bool contains(uint32_t cp) const;
  bool empty() const { return ranges_.empty(); }
  const std::vector<Range>& ranges() const { return ranges_; }

 private:
  void normalize();
  std::vector<Range> ranges_;
};

enum class Encoding {
  kUtf8,        // the character's UTF-8 bytes
  kJsonString,  // as inside a JSON string in canonical form: raw UTF-8, except '"', '\\' and
                // U+0000..U+001F, written \" \\ \b \f \n \r \t or \u00xx (lowercase hex)
};

// One character of the set, as bytes in the encoding.
ExprId char_expr(GrammarBuilder& b, const CharSet& set, Encoding enc);
// The bytes of `text` (valid UTF-8) in the encoding: a literal.
ExprId text_expr(GrammarBuilder& b, std::string_view text, Encoding enc);
// Appends the canonical JSON string encoding of UTF-8 `text` (without quotes).
void append_json_escaped(std::string_view text, std::string& out);

// One character inside a JSON string in any valid spelling (raw UTF-8, the two-character escapes,
// \uXXXX of any case, surrogate pairs): what a JSON parser accepts, one code point per match.
ExprId any_json_char(GrammarBuilder& b);

// Decodes one UTF-8 character at text[i] (strict: no overlongs, no surrogates); returns its
// length, 0 if invalid or cut short (cp unset).
inline size_t decode_utf8(std::string_view text, size_t i, uint32_t& cp) {
  const unicode::Utf8Step step = unicode::decode_utf8(text.substr(i));
  if (step.status != unicode::Utf8Status::kOk) return 0;
  cp = step.cp;
  return step.len;
}
using unicode::append_utf8;

// The value of a hexadecimal digit, -1 for other characters.
int hex_digit(char c);
// "line L, column C" of a byte offset in a text (columns count characters).
std::string line_column(std::string_view text, size_t offset);

}  // namespace shoptalk::engine::constraint
