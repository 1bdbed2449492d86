#include "engine/constraint/charset.h"

#include <algorithm>

namespace shoptalk::engine::constraint {

namespace {
constexpr uint32_t kSurrogateLo = 0xD800, kSurrogateHi = 0xDFFF;
}

CharSet CharSet::all() {
  CharSet s;
  s.add(0, kMaxCodePoint);
  return s;
}

CharSet CharSet::of(uint32_t cp) {
  CharSet s;
  s.add(cp, cp);
  return s;
}

void CharSet::add(uint32_t lo, uint32_t hi) {
  if (lo > hi || lo > kMaxCodePoint) return;
  hi = std::min(hi, kMaxCodePoint);
  // Keep surrogates out.
  if (lo < kSurrogateLo && hi >= kSurrogateLo) {
    ranges_.push_back({lo, kSurrogateLo - 1});
    if (hi > kSurrogateHi) ranges_.push_back({kSurrogateHi + 1, hi});
  } else if (lo >= kSurrogateLo && lo <= kSurrogateHi) {
    if (hi > kSurrogateHi) ranges_.push_back({kSurrogateHi + 1, hi});
  } else {
    ranges_.push_back({lo, hi});
  }
  normalize();
}

void CharSet::add(const CharSet& other) {
  ranges_.insert(ranges_.end(), other.ranges_.begin(), other.ranges_.end());
  normalize();
}

void CharSet::normalize() {
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  std::vector<Range> out;
  for (const Range& r : ranges_) {
    if (!out.empty() && r.lo <= out.back().hi + 1) {
      out.back().hi = std::max(out.back().hi, r.hi);
    } else {
      out.push_back(r);
    }
  }
  ranges_ = std::move(out);
}

CharSet CharSet::complement() const {
  CharSet s;
  uint32_t next = 0;
  for (const Range& r : ranges_) {
    if (r.lo > next) s.add(next, r.lo - 1);
    next = r.hi + 1;
  }
  if (next <= kMaxCodePoint) s.add(next, kMaxCodePoint);
  return s;
}

CharSet CharSet::minus(const CharSet& other) const {
  CharSet keep = other.complement();
  CharSet s;
  // Intersection of two sorted range lists.
  size_t i = 0, j = 0;
  while (i < ranges_.size() && j < keep.ranges_.size()) {
    const uint32_t lo = std::max(ranges_[i].lo, keep.ranges_[j].lo);
    const uint32_t hi = std::min(ranges_[i].hi, keep.ranges_[j].hi);
    if (lo <= hi) s.ranges_.push_back({lo, hi});
    if (ranges_[i].hi < keep.ranges_[j].hi) {
      ++i;
    } else {
      ++j;
    }
  }
  s.normalize();
  return s;
}

bool CharSet::contains(uint32_t cp) const {
  for (const Range& r : ranges_)
    if (cp >= r.lo && cp <= r.hi) return true;
  return false;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string line_column(std::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t k = 0; k < offset && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<uint8_t>(text[k]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(col);
}

namespace {

size_t utf8_len(uint32_t cp) {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

// Code points lo..hi of one UTF-8 length as alternatives of byte-range sequences.
void utf8_ranges(GrammarBuilder& b, uint32_t lo, uint32_t hi, std::vector<ExprId>& out) {
  const size_t n = utf8_len(lo);
  for (size_t i = 1; i < n; ++i) {
    const uint32_t m = (1u << (6 * i)) - 1;
    if ((lo & ~m) != (hi & ~m)) {
      if ((lo & m) != 0) {
        utf8_ranges(b, lo, lo | m, out);
        utf8_ranges(b, (lo | m) + 1, hi, out);
        return;
      }
      if ((hi & m) != m) {
        utf8_ranges(b, lo, (hi & ~m) - 1, out);
        utf8_ranges(b, hi & ~m, hi, out);
        return;
      }
    }
  }
  std::string a, z;
  append_utf8(lo, a);
  append_utf8(hi, z);
  std::vector<ExprId> seq;
  for (size_t k = 0; k < n; ++k) {
    ByteSet s;
    s.set_range(static_cast<uint8_t>(a[k]), static_cast<uint8_t>(z[k]));
    seq.push_back(b.bytes(s));
  }
  out.push_back(b.seq(seq));
}

ExprId utf8_expr(GrammarBuilder& b, const CharSet& set) {
  std::vector<ExprId> alts;
  static const uint32_t kBounds[] = {0x7F, 0x7FF, 0xFFFF, kMaxCodePoint};
  for (const CharSet::Range& r : set.ranges()) {
    uint32_t lo = r.lo;
    for (uint32_t bound : kBounds) {
      if (lo > r.hi) break;
      if (lo > bound) continue;
      const uint32_t hi = std::min(r.hi, bound);
      utf8_ranges(b, lo, hi, alts);
      lo = hi + 1;
    }
  }
  return b.alt(alts);
}

const char kHex[] = "0123456789abcdef";

void append_json_char(uint32_t cp, std::string& out) {
  switch (cp) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      break;
  }
  if (cp < 0x20) {
    out += "\\u00";
    out.push_back(kHex[cp >> 4]);
    out.push_back(kHex[cp & 15]);
    return;
  }
  append_utf8(cp, out);
}

}  // namespace

void append_json_escaped(std::string_view text, std::string& out) {
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    size_t len = decode_utf8(text, i, cp);
    if (len == 0) {  // not reachable for validated input; keep the byte
      cp = static_cast<uint8_t>(text[i]);
      len = 1;
    }
    append_json_char(cp, out);
    i += len;
  }
}

ExprId char_expr(GrammarBuilder& b, const CharSet& set, Encoding enc) {
  if (enc == Encoding::kUtf8) return utf8_expr(b, set);
  CharSet escaped;
  escaped.add(0, 0x1F);
  escaped.add('"', '"');
  escaped.add('\\', '\\');
  std::vector<ExprId> alts{utf8_expr(b, set.minus(escaped))};
  for (const CharSet::Range& r : set.ranges()) {
    for (uint32_t cp = r.lo; cp <= r.hi && cp <= '\\'; ++cp) {
      if (!escaped.contains(cp)) continue;
      std::string s;
      append_json_char(cp, s);
      alts.push_back(b.literal(s));
    }
  }
  return b.alt(alts);
}

ExprId text_expr(GrammarBuilder& b, std::string_view text, Encoding enc) {
  if (enc == Encoding::kUtf8) return b.literal(text);
  std::string s;
  append_json_escaped(text, s);
  return b.literal(s);
}

ExprId any_json_char(GrammarBuilder& b) {
  CharSet plain = CharSet::all();
  CharSet excluded;
  excluded.add(0, 0x1F);
  excluded.add('"', '"');
  excluded.add('\\', '\\');
  plain = plain.minus(excluded);
  auto set_of = [](std::string_view chars) {
    ByteSet s;
    for (char c : chars) s.set(static_cast<uint8_t>(c));
    return s;
  };
  const ByteSet hex = set_of("0123456789abcdefABCDEF");
  const ExprId h = b.bytes(hex);
  const ExprId d = b.bytes(set_of("dD"));
  const ExprId esc_u = b.literal("\\u");
  // \uXXXX outside the surrogates, or a high surrogate followed by a low one.
  const ExprId bmp = b.alt({b.seq({b.bytes(set_of("0123456789abcefABCEF")), h, h, h}),
                            b.seq({d, b.bytes(set_of("01234567")), h, h})});
  const ExprId high = b.seq({d, b.bytes(set_of("89abAB")), h, h});
  const ExprId low = b.seq({d, b.bytes(set_of("cdefCDEF")), h, h});
  return b.alt({utf8_expr(b, plain), b.seq({b.byte('\\'), b.bytes(set_of("\"\\/bfnrt"))}),
                b.seq({esc_u, bmp}), b.seq({esc_u, high, esc_u, low})});
}

}  // namespace shoptalk::engine::constraint
