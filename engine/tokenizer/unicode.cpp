#include "engine/tokenizer/unicode.h"

#include <algorithm>
#include <array>

#include "engine/tokenizer/unicode_tables.h"

namespace shoptalk::engine::unicode {

namespace ut = unicode_tables;

namespace {

Gc category_from_tables(uint32_t cp) {
  const uint32_t* begin = ut::kCategoryRuns;
  const uint32_t* end = ut::kCategoryRuns + ut::kCategoryRunCount;
  // The last run whose first code point is <= cp.
  const uint32_t* it =
      std::upper_bound(begin, end, cp, [](uint32_t c, uint32_t run) { return c < (run >> 5); });
  return static_cast<Gc>(*(it - 1) & 31u);
}

bool whitespace_from_tables(uint32_t cp) {
  for (size_t i = 0; i < ut::kWhitespaceCount; ++i) {
    if (cp < ut::kWhitespace[i].first) return false;
    if (cp <= ut::kWhitespace[i].last) return true;
  }
  return false;
}

uint16_t compute_flags(uint32_t cp) {
  uint16_t f = whitespace_from_tables(cp) ? kWhitespace : 0;
  switch (category_from_tables(cp)) {
    case Gc::Lu:
      return f | kLetter | kUpper;
    case Gc::Ll:
      return f | kLetter | kLower;
    case Gc::Lt:
      return f | kLetter | kTitle;
    case Gc::Lm:
      return f | kLetter | kModifier;
    case Gc::Lo:
      return f | kLetter | kOtherLetter;
    case Gc::Mn:
    case Gc::Mc:
    case Gc::Me:
      return f | kMark;
    case Gc::Nd:
    case Gc::Nl:
    case Gc::No:
      return f | kNumber;
    default:
      return f;
  }
}

// Flags of U+0000..U+00FF, computed once (the common case in most text).
const std::array<uint16_t, 256>& latin1_flags() {
  static const std::array<uint16_t, 256> table = [] {
    std::array<uint16_t, 256> t{};
    for (uint32_t cp = 0; cp < 256; ++cp) t[cp] = compute_flags(cp);
    return t;
  }();
  return table;
}

// Hangul syllable arithmetic (Unicode §3.12).
constexpr uint32_t kSBase = 0xAC00, kLBase = 0x1100, kVBase = 0x1161, kTBase = 0x11A7;
constexpr uint32_t kLCount = 19, kVCount = 21, kTCount = 28;
constexpr uint32_t kNCount = kVCount * kTCount, kSCount = kLCount * kNCount;

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= kSBase && cp < kSBase + kSCount) {
    const uint32_t s = cp - kSBase;
    out.push_back(kLBase + s / kNCount);
    out.push_back(kVBase + (s % kNCount) / kTCount);
    if (s % kTCount != 0) out.push_back(kTBase + s % kTCount);
    return;
  }
  const ut::Decomposition* end = ut::kDecompositions + ut::kDecompositionCount;
  const ut::Decomposition* it =
      std::lower_bound(ut::kDecompositions, end, cp,
                       [](const ut::Decomposition& d, uint32_t c) { return d.cp < c; });
  if (it == end || it->cp != cp) {
    out.push_back(cp);
    return;
  }
  decompose(it->first, out);
  if (it->second != 0) decompose(it->second, out);
}

// The primary composite of (a, b), or 0.
uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= kLBase && a < kLBase + kLCount && b >= kVBase && b < kVBase + kVCount)
    return kSBase + ((a - kLBase) * kVCount + (b - kVBase)) * kTCount;
  if (a >= kSBase && a < kSBase + kSCount && (a - kSBase) % kTCount == 0 && b > kTBase &&
      b < kTBase + kTCount)
    return a + (b - kTBase);
  const ut::Composition* end = ut::kCompositions + ut::kCompositionCount;
  const ut::Composition* it = std::lower_bound(
      ut::kCompositions, end, std::make_pair(a, b),
      [](const ut::Composition& c, const std::pair<uint32_t, uint32_t>& key) {
        return c.first < key.first || (c.first == key.first && c.second < key.second);
      });
  return (it != end && it->first == a && it->second == b) ? it->composite : 0;
}

bool in_range(uint8_t b, uint8_t lo, uint8_t hi) {
  return b >= lo && b <= hi;
}

}  // namespace

Gc general_category(uint32_t cp) {
  if (cp > 0x10FFFF) return Gc::Cn;
  return category_from_tables(cp);
}

uint16_t flags(uint32_t cp) {
  if (cp < 256) return latin1_flags()[cp];
  if (cp > 0x10FFFF) return 0;
  return compute_flags(cp);
}

uint8_t combining_class(uint32_t cp) {
  if (cp < 0x300) return 0;
  const ut::CombiningClassRange* end = ut::kCombiningClass + ut::kCombiningClassCount;
  const ut::CombiningClassRange* it =
      std::upper_bound(ut::kCombiningClass, end, cp,
                       [](uint32_t c, const ut::CombiningClassRange& r) { return c < r.first; });
  if (it == ut::kCombiningClass) return 0;
  --it;
  return cp <= it->last ? it->ccc : 0;
}

uint32_t fold_to_ascii(uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + ('a' - 'A');
  if (cp < 0x80) return cp;
  for (size_t i = 0; i < ut::kFoldToAsciiCount; ++i)
    if (ut::kFoldToAscii[i].cp == cp) return ut::kFoldToAscii[i].folded;
  return cp;
}

namespace {

bool in_ranges(uint32_t cp, const ut::CodepointRange* ranges, size_t count) {
  const ut::CodepointRange* end = ranges + count;
  const ut::CodepointRange* it = std::upper_bound(
      ranges, end, cp, [](uint32_t c, const ut::CodepointRange& r) { return c < r.first; });
  return it != ranges && cp <= (it - 1)->last;
}

// The NFC quick check (UAX #15): true when `cps` is certainly NFC already.
bool quick_check_nfc(const std::vector<uint32_t>& cps) {
  uint8_t last = 0;
  for (uint32_t cp : cps) {
    if (cp < 0x300) {  // starters with NFC_QC = Yes
      last = 0;
      continue;
    }
    const uint8_t cc = combining_class(cp);
    if ((cc != 0 && last > cc) || in_ranges(cp, ut::kNfcQuickCheckNo, ut::kNfcQuickCheckNoCount))
      return false;
    last = cc;
  }
  return true;
}

}  // namespace

void normalize_nfc(std::vector<uint32_t>& cps) {
  if (quick_check_nfc(cps)) return;

  std::vector<uint32_t> d;
  d.reserve(cps.size() + 8);
  for (uint32_t cp : cps) decompose(cp, d);

  // Canonical ordering: stable sort of each run of non-starters by combining class.
  std::vector<uint8_t> cc(d.size());
  for (size_t i = 0; i < d.size(); ++i) cc[i] = combining_class(d[i]);
  for (size_t i = 1; i < d.size(); ++i) {
    for (size_t j = i; j > 0 && cc[j] != 0 && cc[j - 1] > cc[j]; --j) {
      std::swap(d[j], d[j - 1]);
      std::swap(cc[j], cc[j - 1]);
    }
  }

  // Canonical composition.
  cps.clear();
  if (d.empty()) return;
  size_t starter = 0;  // index in cps of the last starter
  bool have_starter = cc[0] == 0;
  int last_class = have_starter ? 0 : 256;
  cps.push_back(d[0]);
  for (size_t i = 1; i < d.size(); ++i) {
    const uint32_t ch = d[i];
    const int ch_class = cc[i];
    const uint32_t composite = have_starter ? compose(cps[starter], ch) : 0;
    if (composite != 0 && (last_class < ch_class || last_class == 0)) {
      cps[starter] = composite;
      continue;
    }
    if (ch_class == 0) {
      starter = cps.size();
      have_starter = true;
    }
    last_class = ch_class;
    cps.push_back(ch);
  }
}

Utf8Step decode_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  const size_t n = s.size();
  const uint8_t b0 = p[0];
  if (b0 < 0x80) return {Utf8Status::kOk, b0, 1};
  size_t need;
  uint8_t lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  uint32_t cp;
  if (in_range(b0, 0xC2, 0xDF)) {
    need = 2;
    cp = b0 & 0x1Fu;
  } else if (in_range(b0, 0xE0, 0xEF)) {
    need = 3;
    cp = b0 & 0x0Fu;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (in_range(b0, 0xF0, 0xF4)) {
    need = 4;
    cp = b0 & 0x07u;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {Utf8Status::kInvalid, 0, 1};
  }
  for (size_t i = 1; i < need; ++i) {
    if (i >= n) return {Utf8Status::kTruncated, 0, n};
    const uint8_t b = p[i];
    if (i == 1 ? !in_range(b, lo, hi) : !in_range(b, 0x80, 0xBF))
      return {Utf8Status::kInvalid, 0, 1};
    cp = (cp << 6) | (b & 0x3Fu);
  }
  return {Utf8Status::kOk, cp, need};
}

void utf8_to_codepoints(std::string_view s, std::vector<uint32_t>& out) {
  size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<uint8_t>(s[i]);
    if (b < 0x80) {
      out.push_back(b);
      ++i;
      continue;
    }
    const Utf8Step step = decode_utf8(s.substr(i));
    if (step.status == Utf8Status::kOk) {
      out.push_back(step.cp);
      i += step.len;
    } else {
      out.push_back(kReplacementChar);
      ++i;
    }
  }
}

void append_utf8(uint32_t cp, std::string& out) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void append_sanitized_utf8(std::string_view s, std::string& out) {
  size_t i = 0;
  while (i < s.size()) {
    // Copy runs of ASCII directly.
    size_t j = i;
    while (j < s.size() && static_cast<uint8_t>(s[j]) < 0x80) ++j;
    out.append(s.data() + i, j - i);
    i = j;
    if (i == s.size()) break;
    const Utf8Step step = decode_utf8(s.substr(i));
    if (step.status == Utf8Status::kOk) {
      out.append(s.data() + i, step.len);
      i += step.len;
    } else {
      append_utf8(kReplacementChar, out);
      ++i;
    }
  }
}

bool is_valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const Utf8Step step = decode_utf8(s.substr(i));
    if (step.status != Utf8Status::kOk) return false;
    i += step.len;
  }
  return true;
}

}  // namespace shoptalk::engine::unicode
