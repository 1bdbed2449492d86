// GBNF: the grammars under tests/data/constraint/grammars compile and accept/reject sample
// texts; malformed grammars give positioned errors; size and nesting are bounded.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "constraint_helpers.h"

namespace shoptalk::engine::constraint {
namespace {

using test::accepts;
using test::compile;

struct Samples {
  std::vector<std::string> good, bad;
};

const std::map<std::string, Samples>& samples() {
  static const std::map<std::string, Samples> s = {
      {"json.gbnf",
       {{R"({"a": [1, 2.5e3, true, null], "b": {"c": "d\n\u00e9"}})", "[]", "\"x\"", "-0.5", "{ }"},
        {"{a: 1}", "[1,]", "01", "\"\\x\"", "{\"a\" 1}", "tru"}}},
      {"arithmetic.gbnf", {{"1+2*3", "(1.5 - 2) / 4", "((7))"}, {"1+", "()", "1..2", "+1"}}},
      {"yes_no.gbnf",
       {{"yes.", "no, it is broken.", "sí, está roto."}, {"yes", "maybe.", "no, ."}}},
      {"checklist.gbnf",
       {{"1. Check the belt", "1. Inspect oil level\n2. Replace filter 3/4"},
        {"1. Fix it", "1. Check\n", "6. Check x"}}},
      {"balanced.gbnf", {{"()", "([]{})", "{[()()]}()"}, {"(", "(]", "", ")("}}},
      {"csv.gbnf",
       {{"asset,reading,unit\nP-204,0.15,bar\nM7-12,-3,°C\n"},
        {"asset,reading,unit\n", "asset,reading,unit\np-204,1,bar\n",
         "asset,reading,unit\nP-204,1,psi\n"}}},
      {"config.gbnf",
       {{"speed = 30\nmode=\"auto\"\n; note\n", "alarm=on\n"}, {"Speed=1\n", "x = \n", "a=1"}}},
      {"severity.gbnf",
       {{"Severity: high\nAction: stop the machine"},
        {"Severity: high\nAction: run", "Severity: low"}}},
      {"tool_call.gbnf",
       {{"<tool_call>\n{\"name\": \"get_reading\", \"arguments\": {\"sensor\": \"p204_vib\", "
         "\"window_s\": 60}}\n</tool_call>"},
        {"<tool_call>\n{\"name\": \"get_reading\", \"arguments\": {\"sensor\": \"P\", "
         "\"window_s\": 60}}\n</tool_call>"}}},
      {"spanish_answer.gbnf",
       {{"Hola, la bomba está dañada.", "Atención: pare el motor, llame al técnico."},
        {"Hola, Bomba.", "Hola la bomba."}}},
      {"identifiers.gbnf",
       {{"int x = 3;", "bool ok = true; float _f2;"}, {"int 2x;", "int x", "double y;"}}},
      {"unicode.gbnf",
       {{"¿Qué? 😀 Xé!", "¿Qué? 🙏 9\n!"}, {"¿Qué? 😀 xé!", "¿Que? 😀 Xé!", "¿Qué? 🚀 Xé!"}}},
  };
  return s;
}

TEST_CASE("gbnf: the test grammars compile and match their samples") {
  const auto files = test::data_files("grammars", ".gbnf");
  REQUIRE(files.size() >= 10);
  for (const auto& path : files) {
    const std::string name = path.filename().string();
    INFO(name);
    auto c = compile(Kind::kGbnf, test::read_text(path));
    REQUIRE(c);
    auto it = samples().find(name);
    REQUIRE(it != samples().end());
    for (const std::string& s : it->second.good) {
      INFO("good: " << s);
      CHECK(accepts(*c, s));
    }
    for (const std::string& s : it->second.bad) {
      INFO("bad: " << s);
      CHECK_FALSE(accepts(*c, s));
    }
  }
}

TEST_CASE("gbnf: syntax details") {
  // Comments, continuation after '|', newlines inside parentheses, repetition forms.
  auto c = compile(Kind::kGbnf,
                   "# header\n"
                   "root ::= a |\n"
                   "   b # trailing comment\n"
                   "a ::= ( \"x\"\n"
                   "        \"y\" ){2} [0-9]{1,} \"z\"{0,2}\n"
                   "b ::= [^a-c\\x00-\\x1F]{3} .\n");
  REQUIRE(c);
  CHECK(accepts(*c, "xyxy1"));
  CHECK(accepts(*c, "xyxy123zz"));
  CHECK_FALSE(accepts(*c, "xy1"));
  CHECK(accepts(*c, "dé€\n"));
  CHECK_FALSE(accepts(*c, "abc!"));
  // Escapes in literals and classes.
  auto e = compile(Kind::kGbnf, "root ::= \"\\x41\\u00e9\\U0001F600\\t\\\"\\\\\" [\\[\\]\\-]");
  REQUIRE(e);
  CHECK(accepts(*e, "Aé😀\t\"\\]"));
  CHECK(accepts(*e, "Aé😀\t\"\\-"));
}

TEST_CASE("gbnf: malformed grammars give the position") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "line 1, column 1: the grammar is empty"},
      {"root ::= \"a\"\nfoo ::= bar", "line 2, column 9: rule 'bar' is not defined"},
      {"root = \"a\"", "line 1, column 6: expected '::='"},
      {"root ::= \"abc", "line 1, column 10: unterminated string"},
      {"root ::= [a-", "line 1, column 10: unterminated character class"},
      {"root ::= (\"a\" | \"b\"", "line 1, column 20: expected ')'"},
      {"root ::= \"a\"\nroot ::= \"b\"", "line 2, column 1: rule 'root' is defined twice"},
      {"start ::= \"a\"", "no rule named 'root'"},
      {"root ::= \"a\" ) \"b\"", "line 1, column 14: expected the end of the line"},
      {"root ::= \"\\q\"", "line 1, column 11: unknown escape"},
      {"root ::= [z-a]", "line 1, column 10: class range out of order"},
      {"root ::= \"a\"{3,1}", "line 1, column 17: repetition {m,n} with n < m"},
      {"root ::= \"a\"{100001}", "repetition count above"},
      {"root ::= \"a\"**", "line 1, column 14: a repetition must follow a term"},
      {"root ::= <[1234]>", "token references are not supported"},
      {"root ::= root \"a\" | \"b\"", "left recursion (root -> root)"},
      {"root ::= \"a\" b\nb ::= \"x\" b", "matches nothing"},
      {"root ::= \"\"", "matches only the empty string"},
      {"root ::= \"a\" \"\\xZZ\"", "line 1, column 15: expected 2 hex digits"},
  };
  for (const auto& [text, expected] : cases) {
    INFO(text);
    auto c = compile(Kind::kGbnf, text);
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message(), Catch::StartsWith("grammar: ") && Catch::Contains(expected));
    CHECK(c.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("gbnf: size and nesting are bounded") {
  std::string deep = "root ::= ";
  for (int i = 0; i < 200; ++i) deep += "(";
  deep += "\"a\"";
  for (int i = 0; i < 200; ++i) deep += ")";
  auto c = compile(Kind::kGbnf, deep);
  REQUIRE_FALSE(c);
  CHECK_THAT(c.error().message(), Catch::Contains("nested too deeply"));

  // Repetitions of repetitions multiply (below the counter threshold they are unrolled):
  // refused as too large, quickly.
  std::string nested = "(\"a\" | \"b\")";
  for (int i = 0; i < 11; ++i) nested = "(" + nested + "){4}";
  auto big = compile(Kind::kGbnf, "root ::= " + nested);
  REQUIRE_FALSE(big);
  CHECK_THAT(big.error().message(), Catch::Contains("too large"));

  std::string huge(size_t{2} << 20, ' ');
  huge.replace(0, 12, "root ::= \"a\"");
  auto h = compile(Kind::kGbnf, huge);
  REQUIRE_FALSE(h);
  CHECK_THAT(h.error().message(), Catch::Contains("larger than 1 MiB"));
}

}  // namespace
}  // namespace shoptalk::engine::constraint
