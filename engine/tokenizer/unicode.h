// Unicode lookups for the tokenizer: general categories, whitespace, case folding onto ASCII,
// NFC normalization, and strict UTF-8 decoding/encoding. Backed by tables generated from the
// Unicode Character Database (see tools/gen_unicode_tables.py); no ASCII approximations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoptalk::engine::unicode {

inline constexpr uint32_t kReplacementChar = 0xFFFD;

// General category. The order matches the generator's CATEGORIES list.
enum class Gc : uint8_t {
  Cn,
  Lu,
  Ll,
  Lt,
  Lm,
  Lo,
  Mn,
  Mc,
  Me,
  Nd,
  Nl,
  No,
  Pc,
  Pd,
  Ps,
  Pe,
  Pi,
  Pf,
  Po,
  Sm,
  Sc,
  Sk,
  So,
  Zs,
  Zl,
  Zp,
  Cc,
  Cf,
  Cs,
  Co,
};

// Per-code-point classes used by the pre-tokenizers.
enum CpFlag : uint16_t {
  kLetter = 1 << 0,      // L*
  kNumber = 1 << 1,      // N*
  kMark = 1 << 2,        // M*
  kWhitespace = 1 << 3,  // White_Space property (= regex \s)
  kUpper = 1 << 4,       // Lu
  kLower = 1 << 5,       // Ll
  kTitle = 1 << 6,       // Lt
  kModifier = 1 << 7,    // Lm
  kOtherLetter = 1 << 8  // Lo
};

Gc general_category(uint32_t cp);
// The CpFlag bits of a code point.
uint16_t flags(uint32_t cp);
// Canonical combining class (0 for starters).
uint8_t combining_class(uint32_t cp);
// Simple case folding restricted to ASCII targets: 'S' -> 's', U+017F LONG S -> 's',
// U+212A KELVIN SIGN -> 'k'; any other code point is returned unchanged. Enough for the
// case-insensitive contraction alternatives (?i:'s|'t|'re|'ve|'m|'ll|'d).
uint32_t fold_to_ascii(uint32_t cp);

// Replaces `cps` by its NFC normalization (canonical decomposition, canonical ordering,
// canonical composition with the full composition exclusions, Hangul included).
void normalize_nfc(std::vector<uint32_t>& cps);

// Strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
enum class Utf8Status { kOk, kTruncated, kInvalid };
struct Utf8Step {
  Utf8Status status;
  uint32_t cp;  // kOk only
  size_t len;   // bytes consumed: the sequence length (kOk), 1 (kInvalid), bytes seen (kTruncated)
};
// Decodes the sequence at the start of `s` (non-empty). kTruncated: `s` holds a valid but
// incomplete prefix of a sequence.
Utf8Step decode_utf8(std::string_view s);
// Appends the code points of `s`; each byte that does not start a valid sequence becomes U+FFFD.
void utf8_to_codepoints(std::string_view s, std::vector<uint32_t>& out);
void append_utf8(uint32_t cp, std::string& out);
// Appends `s` to `out` with every invalid or truncated sequence replaced by U+FFFD (one per byte).
void append_sanitized_utf8(std::string_view s, std::string& out);
bool is_valid_utf8(std::string_view s);

}  // namespace shoptalk::engine::unicode
