// Regular expressions in the ECMAScript subset used by JSON Schema's `pattern` and by users:
// literals, escapes (\d \w \s and their negations, \t \n \r \v \f \0 \cX \xHH \uHHHH \u{H...}),
// classes with ranges and negation, `.`, groups (capturing, (?:...), (?<name>...)), alternation,
// the quantifiers * + ? {m} {m,} {m,n} (lazy forms accepted: matching ignores laziness), and the
// anchors ^ and $ at the start and end of a top-level alternative. Backreferences, lookaround,
// word boundaries and \p{...} are errors naming the feature.
#pragma once

#include <string_view>

#include "engine/constraint/charset.h"
#include "engine/constraint/grammar.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

enum class RegexMode {
  kFullMatch,  // the whole text must match (a regex constraint); ^ and $ change nothing
  kSearch,     // the text must contain a match (JSON Schema `pattern`), unless anchored
};

// The expression for the strings the pattern accepts, each character written in `enc`. Errors
// say "regex: column N: ..." (N counts characters from 1).
Result<ExprId> compile_regex(GrammarBuilder& b, std::string_view pattern, Encoding enc,
                             RegexMode mode);

}  // namespace shoptalk::engine::constraint
