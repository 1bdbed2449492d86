#include "engine/tokenizer/pretokenizer.h"

#include "engine/tokenizer/unicode.h"

namespace shoptalk::engine {

namespace {

using unicode::kLetter;
using unicode::kMark;
using unicode::kNumber;
using unicode::kWhitespace;

// One splitter run over cps[begin, end): the regex sees exactly that range as its subject.
struct Subject {
  const std::vector<uint32_t>& cps;
  const std::vector<uint16_t>& flags;
  size_t begin, end;

  bool has(size_t i, uint16_t f) const { return i < end && (flags[i] & f) != 0; }
  bool is(size_t i, uint32_t cp) const { return i < end && cps[i] == cp; }
  bool is_newline(size_t i) const { return is(i, '\r') || is(i, '\n'); }
  // [^\s\p{L}\p{N}]
  bool is_other(size_t i) const {
    return i < end && (flags[i] & (kWhitespace | kLetter | kNumber)) == 0;
  }
  // [^\r\n\p{L}\p{N}]
  bool is_prefix(size_t i) const {
    return i < end && !is_newline(i) && (flags[i] & (kLetter | kNumber)) == 0;
  }
  size_t run(size_t i, uint16_t f) const {
    while (has(i, f)) ++i;
    return i;
  }

  // Length of a contraction 's 't 're 've 'm 'll 'd at i (0 if none); case-insensitive or not.
  size_t contraction(size_t i, bool ignore_case) const {
    if (!is(i, '\'') || i + 1 >= end) return 0;
    auto at = [&](size_t k) {
      if (k >= end) return uint32_t{0};
      return ignore_case ? unicode::fold_to_ascii(cps[k]) : cps[k];
    };
    const uint32_t a = at(i + 1);
    if (a == 's' || a == 't' || a == 'm' || a == 'd') return 2;
    const uint32_t b = at(i + 2);
    if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return 3;
    return 0;
  }

  // The whitespace alternatives shared by every set, at i (flags[i] has kWhitespace):
  // [\s*[\r\n]+ |] \s+(?!\S) | \s+. Returns the match end.
  size_t whitespace(size_t i, bool newline_alternative) const {
    const size_t e = run(i, kWhitespace);
    if (newline_alternative) {
      // \s*[\r\n]+: the greedy \s* backs off to the last CR/LF of the run.
      for (size_t k = e; k > i; --k)
        if (is_newline(k - 1)) return k;
    }
    // \s+(?!\S): the whole run at the end of the subject, else all but its last code point.
    if (e == end || e - i < 2) return e;
    return e - 1;
  }

  // ' ?[^\s\p{L}\p{N}]+' followed by the CR/LF (and '/') run of `tail`. 0 if no match.
  size_t symbols(size_t i, bool newline_tail, bool slash_tail) const {
    const size_t s = is(i, ' ') ? i + 1 : i;
    if (!is_other(s)) return 0;
    size_t k = s;
    while (is_other(k)) ++k;
    if (newline_tail) {
      while (is_newline(k) || (slash_tail && is(k, '/'))) ++k;
    }
    return k;
  }
};

// (?i:contractions)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max_digits}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
void split_qwen2_llama3(const Subject& s, size_t max_digits, std::vector<size_t>& ends) {
  size_t i = s.begin;
  while (i < s.end) {
    size_t m;
    if (size_t c = s.contraction(i, true)) {
      m = i + c;
    } else if (s.has(i, kLetter)) {
      m = s.run(i, kLetter);
    } else if (s.is_prefix(i) && s.has(i + 1, kLetter)) {
      m = s.run(i + 1, kLetter);
    } else if (s.has(i, kNumber)) {
      m = i + 1;
      while (m - i < max_digits && s.has(m, kNumber)) ++m;
    } else if (size_t e = s.symbols(i, true, false)) {
      m = e;
    } else {
      m = s.whitespace(i, true);
    }
    ends.push_back(m);
    i = m;
  }
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const Subject& s, std::vector<size_t>& ends) {
  size_t i = s.begin;
  while (i < s.end) {
    const size_t j = s.is(i, ' ') ? i + 1 : i;
    size_t m;
    if (size_t c = s.contraction(i, false)) {
      m = i + c;
    } else if (s.has(j, kLetter)) {
      m = s.run(j, kLetter);
    } else if (s.has(j, kNumber)) {
      m = s.run(j, kNumber);
    } else if (size_t e = s.symbols(i, false, false)) {
      m = e;
    } else {
      m = s.whitespace(i, false);
    }
    ends.push_back(m);
    i = m;
  }
}

// \p{N} isolated (the gaps between digits are pieces too), then the GPT-2 regex on each piece.
void split_smollm(const Subject& s, std::vector<size_t>& ends) {
  size_t i = s.begin;
  while (i < s.end) {
    if (s.has(i, kNumber)) {
      ends.push_back(i + 1);
      ++i;
      continue;
    }
    size_t gap_end = i;
    while (gap_end < s.end && !s.has(gap_end, kNumber)) ++gap_end;
    split_gpt2(Subject{s.cps, s.flags, i, gap_end}, ends);
    i = gap_end;
  }
}

constexpr uint16_t kUpperClass =  // [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
    unicode::kUpper | unicode::kTitle | unicode::kModifier | unicode::kOtherLetter | kMark;
constexpr uint16_t kLowerClass =  // [\p{Ll}\p{Lm}\p{Lo}\p{M}]
    unicode::kLower | unicode::kModifier | unicode::kOtherLetter | kMark;

// [^\r\n\p{L}\p{N}]?U*L+C? (first) or [^\r\n\p{L}\p{N}]?U+L*C? (second), with backtracking.
size_t gpt4o_word(const Subject& s, size_t i, bool lower_required) {
  const bool prefix = s.is_prefix(i);
  for (int take = prefix ? 1 : 0; take >= 0; --take) {
    const size_t j = i + static_cast<size_t>(take);
    const size_t u = s.run(j, kUpperClass);
    if (lower_required) {
      // U* gives back code points until L+ can start.
      for (size_t k = u + 1; k-- > j;) {
        if (s.has(k, kLowerClass)) {
          const size_t e = s.run(k, kLowerClass);
          return e + s.contraction(e, true);
        }
      }
    } else if (u > j) {
      const size_t e = s.run(u, kLowerClass);
      return e + s.contraction(e, true);
    }
  }
  return 0;
}

void split_gpt4o(const Subject& s, std::vector<size_t>& ends) {
  size_t i = s.begin;
  while (i < s.end) {
    size_t m;
    if (size_t a = gpt4o_word(s, i, true)) {
      m = a;
    } else if (size_t b = gpt4o_word(s, i, false)) {
      m = b;
    } else if (s.has(i, kNumber)) {
      m = i + 1;
      while (m - i < 3 && s.has(m, kNumber)) ++m;
    } else if (size_t e = s.symbols(i, true, true)) {
      m = e;
    } else {
      m = s.whitespace(i, true);
    }
    ends.push_back(m);
    i = m;
  }
}

}  // namespace

void pretokenize(PreTokenizer type, const std::vector<uint32_t>& cps, std::vector<uint16_t>& flags,
                 std::vector<size_t>& ends) {
  flags.resize(cps.size());
  for (size_t i = 0; i < cps.size(); ++i) flags[i] = unicode::flags(cps[i]);
  const Subject s{cps, flags, 0, cps.size()};
  switch (type) {
    case PreTokenizer::kQwen2:
      split_qwen2_llama3(s, 1, ends);
      break;
    case PreTokenizer::kLlama3:
      split_qwen2_llama3(s, 3, ends);
      break;
    case PreTokenizer::kGpt2:
      split_gpt2(s, ends);
      break;
    case PreTokenizer::kSmolLM:
      split_smollm(s, ends);
      break;
    case PreTokenizer::kGpt4o:
      split_gpt4o(s, ends);
      break;
  }
}

}  // namespace shoptalk::engine
