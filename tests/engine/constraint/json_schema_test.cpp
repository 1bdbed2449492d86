// JSON Schema: what each keyword accepts and rejects, the generation-oriented choices (key order,
// bounded whitespace, number spellings), errors with positions and unsupported keywords named.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "constraint_helpers.h"
#include "engine/constraint/json_schema.h"

namespace shoptalk::engine::constraint {
namespace {

using test::accepts;
using test::compile;

struct Case {
  std::string schema;
  std::vector<std::string> good, bad;
};

void check_cases(const std::vector<Case>& cases) {
  for (const Case& c : cases) {
    INFO(c.schema);
    auto compiled = compile(Kind::kJsonSchema, c.schema);
    REQUIRE(compiled);
    for (const std::string& s : c.good) {
      INFO("good: " << s);
      CHECK(accepts(*compiled, s));
    }
    for (const std::string& s : c.bad) {
      INFO("bad: " << s);
      CHECK_FALSE(accepts(*compiled, s));
    }
  }
}

TEST_CASE("json schema: scalar types and bounds") {
  check_cases({
      {R"({"type": "null"})", {"null"}, {"nul", "0", "\"null\""}},
      {R"({"type": "boolean"})", {"true", "false"}, {"1", "True"}},
      {R"({"type": "integer"})",
       {"0", "-7", "12345678901234567890"},
       {"1.0", "01", "-", "1e3", "-0.5"}},
      {R"({"type": "integer", "minimum": -40, "maximum": 125})",
       {"-40", "0", "9", "99", "125", "-1", "100"},
       {"-41", "126", "1000", "-100", "-0"}},
      {R"({"type": "integer", "exclusiveMinimum": 0.5, "exclusiveMaximum": 10})",
       {"1", "9"},
       {"0", "10"}},
      {R"({"type": "integer", "minimum": 1.5, "maximum": 2.5})", {"2"}, {"1", "3"}},
      {R"({"type": "number"})",
       {"0", "-1.5", "3e10", "2.5E-3", "-0"},
       {"1.", ".5", "+1", "0x1", "1e"}},
      {R"({"type": "number", "minimum": 0, "maximum": 1})",
       {"0", "1", "0.5", "0.999", "1.0", "1.000", "0.0"},
       {"1.01", "-0.1", "2", "1e0", "1.0001"}},
      {R"({"type": "number", "exclusiveMinimum": -1.5, "maximum": 2.25})",
       {"-1.49", "-1", "0", "2.25", "2.2", "2.249999"},
       {"-1.5", "-1.50", "2.251", "3", "-2"}},
      {R"({"type": "number", "minimum": 1e-3, "exclusiveMaximum": 0.01})",
       {"0.001", "0.005", "0.0099"},
       {"0.0009", "0.01", "0"}},
  });
}

TEST_CASE("json schema: strings") {
  check_cases({
      {R"({"type": "string"})",
       {R"("")", R"("abc")", R"("a\"b\\c\/\n\u00e9\uD83D\uDE00")", "\"ñandú 😀\""},
       {R"("a)", "\"a\nb\"", R"("\x")", R"("\uD800")", R"("\u12")", "\"\xC3\""}},
      {R"({"type": "string", "minLength": 2, "maxLength": 3})",
       {R"("ab")", R"("abc")", "\"ñé\"", R"("a\n")", R"("\u00e9\u00e9")"},
       {R"("a")", R"("abcd")", "\"😀\""}},
      {R"({"type": "string", "maxLength": 40})",
       {"\"" + std::string(40, 'x') + "\""},
       {"\"" + std::string(41, 'x') + "\""}},
      {R"({"type": "string", "minLength": 30})",
       {"\"" + std::string(30, 'y') + "\""},
       {"\"" + std::string(29, 'y') + "\""}},
      {R"({"type": "string", "pattern": "^[A-Z]{2}-\\d+$"})",
       {R"("AB-12")"},
       {R"("ab-12")", R"("AB-")", R"(" AB-1")"}},
      {R"({"type": "string", "pattern": "ña"})", {"\"España\"", "\"ña\""}, {"\"Espana\""}},
      {R"({"type": "string", "pattern": "\"", "maxLength": 3})",
       {R"("a\"")"},
       {R"("abc")", R"("\"\"\"\"")"}},
      {R"({"type": "string", "format": "date"})",
       {R"("2024-02-29")", R"("2000-02-29")", R"("1999-12-31")"},
       {R"("2023-02-29")", R"("1900-02-29")", R"("2024-04-31")", R"("2024-13-01")",
        R"("24-01-01")"}},
      {R"({"type": "string", "format": "time"})",
       {R"("08:30:06Z")", R"("23:59:60.5+01:00")"},
       {R"("24:00:00Z")", R"("08:30:06")"}},
      {R"({"type": "string", "format": "date-time"})",
       {R"("2024-05-01T08:30:06.1-03:00")"},
       {R"("2024-05-01 08:30:06Z")"}},
      {R"({"type": "string", "format": "uuid"})",
       {R"("123e4567-e89b-12d3-a456-426614174000")"},
       {R"("123e4567e89b12d3a456426614174000")", R"("123e4567-e89b-12d3-a456-42661417400g")"}},
  });
}

TEST_CASE("json schema: enum and const, also with accents and other scripts") {
  check_cases({
      {R"({"enum": ["en revisión", "crítico", "señal débil", 3, null, [1, {"a": true}]]})",
       {R"("en revisión")", R"("crítico")", R"("señal débil")", "3", "null", R"([1,{"a":true}])"},
       {R"("critico")", R"("en revision")", "4", R"("3")"}},
      {R"({"const": "Überdruck"})", {R"("Überdruck")"}, {R"("Uberdruck")"}},
      {R"({"type": "string", "enum": ["a", 1, "bcd"], "maxLength": 2})",
       {R"("a")"},
       {"1", R"("bcd")"}},
      {R"({"enum": ["tab\there", "quote\"q"]})",
       {R"("tab\there")", R"("quote\"q")"},
       {"\"tab\there\""}},
  });
}

TEST_CASE("json schema: objects follow the properties order") {
  const std::string schema = R"({"type": "object", "properties": {
      "fault": {"type": "string"}, "severity": {"enum": ["low", "high"]}, "count": {"type": "integer"}},
      "required": ["fault", "severity"], "additionalProperties": false})";
  check_cases({
      {schema,
       {R"({"fault":"x","severity":"low"})", R"({"fault": "x", "severity": "high", "count": 3})",
        "{\n  \"fault\": \"x\",\n  \"severity\": \"low\"\n}"},
       {R"({"severity":"low","fault":"x"})", R"({"fault":"x"})",
        R"({"fault":"x","severity":"low","extra":1})",
        R"({"fault":"x","severity":"low","count":3,"count":4})",
        R"({"fault":"x",,"severity":"low"})", "{\"fault\":\"x\",\"severity\":\"low\"}\n"}},
      // Optional properties anywhere, additional ones after the declared ones.
      {R"({"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
          "additionalProperties": {"type": "boolean"}})",
       {"{}", R"({"b":1})", R"({"a":1,"b":2})", R"({"x":true})", R"({"a":1,"x":true,"y":false})"},
       {R"({"x":1})", R"({"a":true})", R"({"b":1,"a":2})", R"({"x":true,"a":1})"}},
      // Required names not declared, with additionalProperties as their schema.
      {R"({"required": ["id"], "additionalProperties": {"type": "integer"}})",
       {R"({"id":1})", "1", "\"s\""},
       {"{}", R"({"id":"x"})"}},
      // Declared names cannot come back as additional properties.
      {R"({"properties": {"a": false}, "additionalProperties": true})",
       {R"({"b":1})", "{}"},
       {R"({"a":1})"}},
  });
}

TEST_CASE("json schema: whitespace between tokens is bounded") {
  auto c = compile(Kind::kJsonSchema, R"({"type": "array", "items": {"type": "integer"}})");
  REQUIRE(c);
  CHECK(accepts(*c, "[1, 2]"));
  CHECK(accepts(*c, "[\n\t\t1,\n  2\n]"));
  CHECK(accepts(*c, "[\n" + std::string(20, ' ') + "1]"));
  CHECK_FALSE(accepts(*c, "[\n" + std::string(21, ' ') + "1]"));
  CHECK_FALSE(accepts(*c, "[  1]"));
  CHECK_FALSE(accepts(*c, " [1]"));
  Options compact;
  compact.json_max_indent = -1;
  auto k =
      compile(Kind::kJsonSchema, R"({"type": "array", "items": {"type": "integer"}})", compact);
  REQUIRE(k);
  CHECK(accepts(*k, "[1,2]"));
  CHECK_FALSE(accepts(*k, "[1, 2]"));
}

TEST_CASE("json schema: free digit runs are bounded") {
  const std::string twenty(20, '0'), twenty_one(21, '0');
  auto unit = compile(Kind::kJsonSchema, R"({"type": "number", "minimum": 0, "maximum": 1})");
  REQUIRE(unit);
  CHECK(accepts(*unit, "1." + twenty));
  CHECK_FALSE(accepts(*unit, "1." + twenty_one));
  CHECK(accepts(*unit, "0.1" + std::string(19, '7')));
  CHECK_FALSE(accepts(*unit, "0.1" + std::string(20, '7')));
  auto integer = compile(Kind::kJsonSchema, R"({"type": "integer"})");
  REQUIRE(integer);
  CHECK(accepts(*integer, "1" + std::string(20, '2')));
  CHECK_FALSE(accepts(*integer, "1" + std::string(21, '2')));
  auto number = compile(Kind::kJsonSchema, R"({"type": "number"})");
  REQUIRE(number);
  CHECK(accepts(*number, "-3." + twenty + "e-12"));
  CHECK_FALSE(accepts(*number, "-3." + twenty_one));
  // A bound longer than the cap still admits its own digits and the cap's worth after them.
  auto wide = compile(Kind::kJsonSchema, R"({"type": "integer", "minimum": 100000000000000000})");
  REQUIRE(wide);
  CHECK(accepts(*wide, "100000000000000001"));
  CHECK(accepts(*wide, "9" + twenty));
  CHECK_FALSE(accepts(*wide, "99999999999999999"));
}

// An array of n zeros.
std::string zeros(int n) {
  std::string s = "[";
  for (int i = 0; i < n; ++i) s += i ? ",0" : "0";
  return s + "]";
}

TEST_CASE("json schema: arrays") {
  check_cases({
      {R"({"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3})",
       {"[1,2]", "[1,2,3]"},
       {"[]", "[1]", "[1,2,3,4]", "[1,\"a\"]"}},
      {R"({"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false})",
       {"[]", R"(["a"])", R"(["a",1])"},
       {R"(["a",1,2])", "[1]"}},
      {R"({"type": "array", "items": [{"type": "string"}], "additionalItems": {"type": "boolean"}})",
       {R"(["a",true,false])", "[]"},
       {R"(["a",1])"}},
      {R"({"type": "array", "prefixItems": [{"const": 1}, {"const": 2}], "minItems": 3, "items": {"type": "null"}})",
       {"[1,2,null]", "[1,2,null,null]"},
       {"[1,2]", "[1,2,3]"}},
      {R"({"type": "array", "maxItems": 40, "items": {"const": 0}})",
       {zeros(40), zeros(17), "[]"},
       {zeros(41), "[1]"}},
  });
}

TEST_CASE("json schema: anyOf, oneOf, allOf, $ref") {
  check_cases({
      {R"({"anyOf": [{"type": "integer", "minimum": 10}, {"type": "string", "maxLength": 2}]})",
       {"10", "\"ab\""},
       {"9", "\"abc\"", "null"}},
      {R"({"type": "string", "anyOf": [{"maxLength": 2}, {"minLength": 4}]})",
       {"\"ab\"", "\"abcd\""},
       {"\"abc\"", "3"}},
      {R"({"oneOf": [{"type": "object", "properties": {"k": {"const": "a"}, "x": {"type": "integer"}}, "required": ["k"]},
                    {"type": "object", "properties": {"k": {"const": "b"}, "y": {"type": "string"}}, "required": ["k"]}]})",
       {R"({"k":"a","x":1})", R"({"k":"b","y":"s"})"},
       {R"({"k":"c"})", R"({"k":"a","x":"s"})"}},
      {R"({"allOf": [{"type": "integer"}, {"minimum": 3}, {"maximum": 5}]})",
       {"3", "5"},
       {"2", "6", "4.5"}},
      {R"({"$defs": {"pos": {"type": "integer", "minimum": 1}}, "type": "array", "items": {"$ref": "#/$defs/pos"}})",
       {"[1,2]", "[]"},
       {"[0]"}},
      {R"({"definitions": {"n": {"type": "object", "properties": {"c": {"$ref": "#/definitions/n"}}, "additionalProperties": false}}, "$ref": "#/definitions/n"})",
       {"{}", R"({"c":{"c":{}}})"},
       {R"({"c":1})"}},
      {R"({"type": ["string", "null"], "maxLength": 2})", {"null", "\"ab\""}, {"\"abc\"", "1"}},
      {R"({"type": "string", "nullable": true})", {"null", "\"a\""}, {"1"}},
  });
}

TEST_CASE("json schema: errors name the keyword and the position") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{\n  \"type\": \"object\",\n  \"minProperties\": 1\n}",
       "line 3, column 3: unsupported keyword \"minProperties\""},
      {R"({"properties": {"a": {"multipleOf": 2}}})",
       "line 1, column 23: unsupported keyword \"multipleOf\""},
      {R"({"type": "strin"})", "unknown type"},
      {R"({"format": "email"})", "unsupported format \"email\""},
      {R"({"$ref": "http://example.com/s.json"})",
       "unsupported remote reference \"http://example.com/s.json\""},
      {R"({"$ref": "#/$defs/missing"})", "does not resolve"},
      {R"({"$ref": "#/$defs/a", "maxLength": 3, "$defs": {"a": {}}})",
       "\"maxLength\" next to \"$ref\""},
      {R"x({"pattern": "(?=a)"})x", "in \"pattern\": regex: column 1: lookahead is not supported"},
      {R"({"oneOf": [{"type": "integer"}, {"minimum": 2}]})",
       "\"oneOf\" whose alternatives 0 and 1 may both match"},
      {R"({"minimum": true})", "as a boolean (draft 4)"},
      {R"({"minLength": -1})", "must be a non-negative integer"},
      {R"({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "additionalProperties": false, "properties2": 1})",
       "unsupported keyword \"properties2\""},
      {"{\"type\": \"object\",}", "line 1, column 19: expected a member name"},
      {"", "the document is empty"},
      {R"({"a": 1, "a": 2})", "duplicate member"},
      {"false", "matches nothing"},
      {R"({"type": "integer", "minimum": 5, "maximum": 4})", "matches nothing"},
      {R"({"type": "string", "minLength": 3, "maxLength": 2})", "matches nothing"},
      {R"({"enum": []})", "matches nothing"},
      {R"({"type": "object", "required": ["a"], "additionalProperties": false})",
       "matches nothing"},
      {R"({"$ref": "#"})", "refers to itself"},
      {R"({"type": "string", "maxLength": 1000000})", "above 100000"},
  };
  for (const auto& [schema, expected] : cases) {
    INFO(schema);
    auto c = compile(Kind::kJsonSchema, schema);
    REQUIRE_FALSE(c);
    CHECK_THAT(c.error().message(),
               Catch::StartsWith("json schema: ") && Catch::Contains(expected));
  }
}

TEST_CASE("json schema: annotations are accepted") {
  auto c = compile(Kind::kJsonSchema,
                   R"({"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x",
      "title": "t", "description": "d", "$comment": "c", "examples": [1], "default": 1, "deprecated": false,
      "readOnly": true, "writeOnly": false, "type": "integer"})");
  REQUIRE(c);
  CHECK(accepts(*c, "1"));
}

TEST_CASE("json schema: the test schemas compile quickly") {
  const auto files = test::data_files("schemas", ".json");
  REQUIRE(files.size() >= 30);
  for (const auto& path : files) {
    INFO(path.filename().string());
    auto c = compile(Kind::kJsonSchema, test::read_text(path));
    CHECK(c);
  }
}

}  // namespace
}  // namespace shoptalk::engine::constraint
