#include "engine/constraint/regex.h"

#include <string>
#include <vector>

#include "formats/try.h"

namespace shoptalk::engine::constraint {

namespace {

constexpr int kMaxDepth = 100;
constexpr int32_t kMaxCount = 10000;

CharSet digit_set() {
  CharSet s;
  s.add('0', '9');
  return s;
}
CharSet word_set() {
  CharSet s;
  s.add('0', '9');
  s.add('A', 'Z');
  s.add('a', 'z');
  s.add('_', '_');
  return s;
}
CharSet space_set() {
  CharSet s;
  s.add('\t', '\r');
  s.add(' ', ' ');
  s.add(0xA0, 0xA0);
  s.add(0x1680, 0x1680);
  s.add(0x2000, 0x200A);
  s.add(0x2028, 0x2029);
  s.add(0x202F, 0x202F);
  s.add(0x205F, 0x205F);
  s.add(0x3000, 0x3000);
  s.add(0xFEFF, 0xFEFF);
  return s;
}
CharSet dot_set() {
  CharSet s;
  s.add('\n', '\n');
  s.add('\r', '\r');
  s.add(0x2028, 0x2029);
  return s.complement();
}

class RegexParser {
 public:
  RegexParser(GrammarBuilder& b, std::string_view p, Encoding enc, RegexMode mode)
      : b_(b), p_(p), enc_(enc), mode_(mode) {}

  Result<ExprId> run() {
    std::vector<ExprId> alts;
    for (;;) {
      bool anchored_start = false, anchored_end = false;
      if (peek('^')) {
        ++i_;
        anchored_start = true;
      }
      ST_ASSIGN_OR_RETURN(ExprId seq, sequence(0, &anchored_end));
      if (mode_ == RegexMode::kSearch) {
        const ExprId any = b_.star(char_expr(b_, CharSet::all(), enc_));
        std::vector<ExprId> parts;
        if (!anchored_start) parts.push_back(any);
        parts.push_back(seq);
        if (!anchored_end) parts.push_back(any);
        seq = b_.seq(parts);
      }
      alts.push_back(seq);
      if (i_ >= p_.size()) break;
      if (p_[i_] == '|') {
        ++i_;
        continue;
      }
      return error("unmatched ')'");
    }
    return b_.alt(alts);
  }

 private:
  Error error(const std::string& msg) const {
    // Column in characters, not bytes.
    size_t col = 1;
    for (size_t k = 0; k < i_ && k < p_.size(); ++k)
      if ((static_cast<uint8_t>(p_[k]) & 0xC0) != 0x80) ++col;
    return Error(ErrorCode::kInvalidArgument, "regex: column " + std::to_string(col) + ": " + msg);
  }
  bool peek(char c) const { return i_ < p_.size() && p_[i_] == c; }

  Result<ExprId> alternation(int depth) {
    if (depth > kMaxDepth) return error("groups nested too deeply");
    std::vector<ExprId> alts;
    for (;;) {
      ST_ASSIGN_OR_RETURN(ExprId seq, sequence(depth, nullptr));
      alts.push_back(seq);
      if (!peek('|')) break;
      ++i_;
    }
    return b_.alt(alts);
  }

  // Terms until '|', ')' or the end. `anchored_end` is non-null only at the top level, where a
  // final '$' is allowed.
  Result<ExprId> sequence(int depth, bool* anchored_end) {
    std::vector<ExprId> items;
    while (i_ < p_.size() && p_[i_] != '|' && p_[i_] != ')') {
      if (p_[i_] == '$') {
        const bool last = i_ + 1 == p_.size() || p_[i_ + 1] == '|';
        if (!anchored_end || !last) return error("the anchor '$' is only supported at the end");
        *anchored_end = true;
        ++i_;
        continue;
      }
      if (p_[i_] == '^') return error("the anchor '^' is only supported at the start");
      ST_ASSIGN_OR_RETURN(ExprId atom, this->atom(depth));
      ST_ASSIGN_OR_RETURN(ExprId term, quantified(atom));
      items.push_back(term);
    }
    if (anchored_end == nullptr && i_ >= p_.size() && depth > 0) return error("missing ')'");
    return b_.seq(items);
  }

  // Parses {m}, {m,} or {m,n} at i_; false (i_ unchanged) if the text is not a quantifier.
  bool braces(int32_t& min, int32_t& max, bool& too_big) {
    size_t j = i_ + 1;
    auto number = [&](int32_t& v) {
      const size_t start = j;
      int64_t x = 0;
      while (j < p_.size() && p_[j] >= '0' && p_[j] <= '9') {
        x = x * 10 + (p_[j] - '0');
        if (x > kMaxCount) too_big = true, x = kMaxCount;
        ++j;
      }
      v = static_cast<int32_t>(x);
      return j > start;
    };
    if (!number(min)) return false;
    max = min;
    if (j < p_.size() && p_[j] == ',') {
      ++j;
      if (!number(max)) max = kUnbounded;
    }
    if (j >= p_.size() || p_[j] != '}') return false;
    i_ = j + 1;
    return true;
  }

  Result<ExprId> quantified(ExprId atom) {
    for (bool first = true;; first = false) {
      if (i_ >= p_.size()) return atom;
      int32_t min = 0, max = 0;
      const char c = p_[i_];
      if (c == '*') {
        min = 0, max = kUnbounded, ++i_;
      } else if (c == '+') {
        min = 1, max = kUnbounded, ++i_;
      } else if (c == '?') {
        min = 0, max = 1, ++i_;
      } else if (c == '{') {
        bool too_big = false;
        if (!braces(min, max, too_big)) return atom;  // a literal '{' (Annex B)
        if (too_big) return error("repetition count above " + std::to_string(kMaxCount));
        if (max != kUnbounded && max < min) return error("repetition {m,n} with n < m");
      } else {
        return atom;
      }
      if (!first) return error("nothing to repeat");
      if (peek('?')) ++i_;  // lazy: the same strings match
      atom = b_.repeat(atom, min, max);
      // A second quantifier right after the first is an error (checked by the next iteration).
    }
  }

  Result<ExprId> atom(int depth) {
    const char c = p_[i_];
    if (c == '(') {
      ++i_;
      if (peek('?')) {
        if (i_ + 1 < p_.size() && p_[i_ + 1] == ':') {
          i_ += 2;
        } else if (i_ + 1 < p_.size() && (p_[i_ + 1] == '=' || p_[i_ + 1] == '!')) {
          --i_;
          return error("lookahead is not supported");
        } else if (i_ + 2 < p_.size() && p_[i_ + 1] == '<' &&
                   (p_[i_ + 2] == '=' || p_[i_ + 2] == '!')) {
          --i_;
          return error("lookbehind is not supported");
        } else if (i_ + 1 < p_.size() && p_[i_ + 1] == '<') {
          const size_t close = p_.find('>', i_);
          if (close == std::string_view::npos) return error("unterminated group name");
          i_ = close + 1;
        } else {
          --i_;
          return error("unsupported group syntax '(?'");
        }
      }
      ST_ASSIGN_OR_RETURN(ExprId inner, alternation(depth + 1));
      if (!peek(')')) return error("missing ')'");
      ++i_;
      return inner;
    }
    if (c == '*' || c == '+' || c == '?') return error("nothing to repeat");
    if (c == '{') {
      int32_t min, max;
      bool too_big = false;
      const size_t save = i_;
      if (braces(min, max, too_big)) {
        i_ = save;
        return error("nothing to repeat");
      }
    }
    if (c == '[') return char_class();
    if (c == '.') {
      ++i_;
      return char_expr(b_, dot_set(), enc_);
    }
    if (c == '\\') {
      CharSet set;
      ST_TRY(escape(false, set));
      return char_expr(b_, set, enc_);
    }
    uint32_t cp = 0;
    const size_t len = decode_utf8(p_, i_, cp);
    if (len == 0) return error("invalid UTF-8");
    i_ += len;
    return char_expr(b_, CharSet::of(cp), enc_);
  }

  // An escape at i_ (the backslash); the set it stands for.
  Status escape(bool in_class, CharSet& set) {
    ++i_;
    if (i_ >= p_.size()) return error("'\\' at the end of the pattern");
    const char c = p_[i_++];
    switch (c) {
      case 'd':
        set = digit_set();
        return {};
      case 'D':
        set = digit_set().complement();
        return {};
      case 'w':
        set = word_set();
        return {};
      case 'W':
        set = word_set().complement();
        return {};
      case 's':
        set = space_set();
        return {};
      case 'S':
        set = space_set().complement();
        return {};
      case 'n':
        set = CharSet::of('\n');
        return {};
      case 'r':
        set = CharSet::of('\r');
        return {};
      case 't':
        set = CharSet::of('\t');
        return {};
      case 'v':
        set = CharSet::of('\v');
        return {};
      case 'f':
        set = CharSet::of('\f');
        return {};
      case 'b':
        if (in_class) {
          set = CharSet::of('\b');
          return {};
        }
        --i_;
        return error("the word boundary \\b is not supported");
      case 'B':
        --i_;
        return error("the word boundary \\B is not supported");
      case 'p':
      case 'P':
        --i_;
        return error("Unicode property escapes (\\p, \\P) are not supported");
      case 'k':
        --i_;
        return error("backreferences are not supported");
      case '0':
        if (i_ < p_.size() && p_[i_] >= '0' && p_[i_] <= '9') {
          return error("octal escapes are not supported");
        }
        set = CharSet::of(0);
        return {};
      case 'c':
        if (i_ < p_.size() &&
            ((p_[i_] >= 'a' && p_[i_] <= 'z') || (p_[i_] >= 'A' && p_[i_] <= 'Z'))) {
          set = CharSet::of(static_cast<uint32_t>(p_[i_++]) % 32);
          return {};
        }
        return error("invalid \\c escape");
      case 'x': {
        if (i_ + 2 > p_.size() || hex_digit(p_[i_]) < 0 || hex_digit(p_[i_ + 1]) < 0)
          return error("invalid \\x escape");
        set = CharSet::of(static_cast<uint32_t>(hex_digit(p_[i_]) * 16 + hex_digit(p_[i_ + 1])));
        i_ += 2;
        return {};
      }
      case 'u': {
        uint32_t cp = 0;
        if (peek('{')) {
          size_t j = i_ + 1;
          while (j < p_.size() && hex_digit(p_[j]) >= 0 && cp <= kMaxCodePoint)
            cp = cp * 16 + static_cast<uint32_t>(hex_digit(p_[j++]));
          if (j == i_ + 1 || j >= p_.size() || p_[j] != '}' || cp > kMaxCodePoint)
            return error("invalid \\u{...} escape");
          i_ = j + 1;
        } else {
          ST_TRY(hex4(cp));
          // A surrogate pair written as two escapes is one character.
          if (cp >= 0xD800 && cp <= 0xDBFF && i_ + 1 < p_.size() && p_[i_] == '\\' &&
              p_[i_ + 1] == 'u') {
            const size_t save = i_;
            i_ += 2;
            uint32_t lo = 0;
            if (hex4(lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              i_ = save;
            }
          }
          if (cp >= 0xD800 && cp <= 0xDFFF) return error("a lone surrogate is not a character");
        }
        set = CharSet::of(cp);
        return {};
      }
      default:
        break;
    }
    if (c >= '1' && c <= '9') {
      i_ -= 1;
      return error("backreferences are not supported");
    }
    // An identity escape: the character itself.
    --i_;
    uint32_t cp = 0;
    const size_t len = decode_utf8(p_, i_, cp);
    if (len == 0) return error("invalid UTF-8");
    i_ += len;
    set = CharSet::of(cp);
    return {};
  }

  Status hex4(uint32_t& cp) {
    if (i_ + 4 > p_.size()) return error("invalid \\u escape");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      const int v = hex_digit(p_[i_ + static_cast<size_t>(k)]);
      if (v < 0) return error("invalid \\u escape");
      cp = cp * 16 + static_cast<uint32_t>(v);
    }
    i_ += 4;
    return {};
  }

  // One class member at i_: a single character (single = true, cp set) or a class escape.
  Status class_atom(CharSet& set, bool& single, uint32_t& cp) {
    if (p_[i_] == '\\') {
      ST_TRY(escape(true, set));
      single = set.ranges().size() == 1 && set.ranges()[0].lo == set.ranges()[0].hi;
      if (single) cp = set.ranges()[0].lo;
      return {};
    }
    const size_t len = decode_utf8(p_, i_, cp);
    if (len == 0) return error("invalid UTF-8");
    i_ += len;
    set = CharSet::of(cp);
    single = true;
    return {};
  }

  Result<ExprId> char_class() {
    ++i_;
    bool negate = false;
    if (peek('^')) {
      negate = true;
      ++i_;
    }
    CharSet set;
    while (!peek(']')) {
      if (i_ >= p_.size()) return error("missing ']'");
      CharSet a;
      bool single = false;
      uint32_t lo = 0;
      ST_TRY(class_atom(a, single, lo));
      if (single && peek('-') && i_ + 1 < p_.size() && p_[i_ + 1] != ']') {
        ++i_;
        CharSet z;
        bool single_hi = false;
        uint32_t hi = 0;
        ST_TRY(class_atom(z, single_hi, hi));
        if (single_hi) {
          if (hi < lo) return error("class range out of order");
          set.add(lo, hi);
          continue;
        }
        // [a-\d]: the '-' is a literal (Annex B).
        set.add(a);
        set.add('-', '-');
        set.add(z);
        continue;
      }
      set.add(a);
    }
    ++i_;
    if (negate) set = set.complement();
    return char_expr(b_, set, enc_);
  }

  GrammarBuilder& b_;
  std::string_view p_;
  Encoding enc_;
  RegexMode mode_;
  size_t i_ = 0;
};

}  // namespace

Result<ExprId> compile_regex(GrammarBuilder& b, std::string_view pattern, Encoding enc,
                             RegexMode mode) {
  return RegexParser(b, pattern, enc, mode).run();
}

}  // namespace shoptalk::engine::constraint
