// Regular expressions: the supported syntax (whole-output matching for the regex constraint,
// search semantics inside JSON Schema patterns) and the features refused by name.
#include <catch2/catch.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "constraint_helpers.h"

namespace shoptalk::engine::constraint {
namespace {

using test::accepts;
using test::compile;

TEST_CASE("regex: matches the whole output") {
  const std::vector<std::tuple<std::string, std::string, bool>> cases = {
      {"abc", "abc", true},
      {"abc", "abcd", false},
      {"^abc$", "abc", true},
      {"a|bc|", "bc", true},
      {"[a-c]{2,3}\\d", "ab1", true},
      {"[a-c]{2,3}\\d", "abcc1", false},
      {"[^0-9]+", "é€x", true},
      {"[^0-9]+", "a1", false},
      {"\\d{4}-\\d{2}", "2024-05", true},
      {"\\w+\\s\\W", "abc_9 !", true},
      {"\\w+\\s\\W", "abc_9 a", false},
      {"\\S\\D", "x\u00a0", true},
      {"x*?y+?z??", "xxyyy", true},
      {"(?:ab)+(?<n>c)?", "ababc", true},
      {"(ab|cd){2}", "abcd", true},
      {"(ab|cd){2}", "ab", false},
      {".", "\n", false},
      {".", "é", true},
      {"[\\s\\S]", "\n", true},
      {"\\u00e9\\x41\\u{1F600}", "éA😀", true},
      {"\\ud83d\\ude00", "😀", true},
      {"[\\d-z]+", "3-z", true},
      {"a{,2}", "a{,2}", true},
      {"[^]", "\n", true},
      {"\\.\\*\\/\\(", ".*/(", true},
      {"\\cJ\\t\\0", "\n\t", false},
      {"a{3}", "aaa", true},
      {"a{17,40}", std::string(17, 'a'), true},
      {"a{17,40}", std::string(41, 'a'), false},
      {"[a-z]{20,}", std::string(20, 'q'), true},
      {"[a-z]{20,}", std::string(19, 'q'), false},
  };
  for (const auto& [pattern, text, expected] : cases) {
    INFO(pattern << " on " << text);
    auto c = compile(Kind::kRegex, pattern);
    REQUIRE(c);
    CHECK(accepts(*c, text) == expected);
  }
  auto nul = compile(Kind::kRegex, "\\cJ\\t\\0");
  REQUIRE(nul);
  CHECK(accepts(*nul, std::string("\n\t\0", 3)));
}

TEST_CASE("regex: unsupported features are refused by name") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"(a)\\1", "backreferences are not supported"},
      {"(?<x>a)\\k<x>", "backreferences are not supported"},
      {"a(?=b)", "lookahead is not supported"},
      {"a(?!b)", "lookahead is not supported"},
      {"(?<=a)b", "lookbehind is not supported"},
      {"(?<!a)b", "lookbehind is not supported"},
      {"\\bword", "word boundary \\b"},
      {"\\Bx", "word boundary \\B"},
      {"\\p{L}", "Unicode property escapes"},
      {"a^b", "'^' is only supported at the start"},
      {"a$b", "'$' is only supported at the end"},
      {"(a", "missing ')'"},
      {"a)", "unmatched ')'"},
      {"*a", "nothing to repeat"},
      {"a**", "nothing to repeat"},
      {"[b-a]", "class range out of order"},
      {"a{5,2}", "n < m"},
      {"a{200000}", "repetition count above"},
      {"\\x4", "invalid \\x escape"},
      {"\\01", "octal escapes"},
      {"", "the pattern is empty"},
      {"[]a", "matches nothing"},
  };
  for (const auto& [pattern, expected] : cases) {
    INFO(pattern);
    auto c = compile(Kind::kRegex, pattern);
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message(), Catch::StartsWith("regex") && Catch::Contains(expected));
  }
  auto pos = compile(Kind::kRegex, "ab(?=c)");
  REQUIRE_FALSE(pos);
  CHECK_THAT(pos.error().message(), Catch::StartsWith("regex: column 3: "));
}

TEST_CASE("regex: an automaton that doubles with every character is refused, not built") {
  // ".*a" then n wildcards needs 2^n deterministic states (which of the last n + 1 characters
  // were 'a'). The fuzzer found one; GrammarLimits' state limit stops it at a fraction of a second.
  auto blowup = compile(Kind::kRegex, ".*a" + std::string(24, '.'));
  REQUIRE_FALSE(blowup);
  CHECK_THAT(blowup.error().message(), Catch::StartsWith("regex") && Catch::Contains("too large"));
  // The same language written with a count runs with a counter instead of states.
  auto counted = compile(Kind::kRegex, ".*a.{24}");
  REQUIRE(counted);
  CHECK(accepts(*counted, "xxa" + std::string(24, 'b')));
  CHECK_FALSE(accepts(*counted, "xxa" + std::string(23, 'b')));
}

}  // namespace
}  // namespace shoptalk::engine::constraint
