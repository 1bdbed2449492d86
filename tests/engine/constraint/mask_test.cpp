// Token masks: equal to the brute-force answer ("the token's bytes are a valid continuation",
// token by token over the whole vocabulary) in states reached by random walks; random walks
// always end in output that parses and validates (the guarantee "even with random weights", at
// the engine level); end-of-generation and special tokens; sharing between threads; cache
// resets.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "constraint_helpers.h"
#include "engine/constraint/json_schema.h"

namespace shoptalk::engine::constraint {
namespace {

using test::allowed;

// Compares the mask with the brute-force answer in the matcher's current state.
void check_mask(Matcher& m, const std::string& where) {
  const Vocabulary& v = m.constraint().vocabulary();
  std::vector<uint32_t> mask(v.mask_words());
  m.fill_mask(mask.data());
  int wrong = 0;
  for (int32_t t = 0; t < v.size() && wrong < 5; ++t) {
    bool expected = false;
    if (v.is_eog(t)) {
      expected = m.can_end();
    } else if (v.is_text(t)) {
      expected = m.allows_text(v.bytes(t));
    }
    if (allowed(mask, t) != expected) {
      ++wrong;
      FAIL_CHECK(where << ": token " << t << " '" << std::string(v.bytes(t)) << "' mask "
                       << allowed(mask, t) << " expected " << expected);
    }
  }
}

// Replays a walk and checks the mask every `every` tokens.
void check_masks_along(const std::shared_ptr<const Constraint>& c, const test::Walk& w,
                       size_t every, const std::string& where) {
  Matcher m(c);
  for (size_t i = 0; i <= w.tokens.size(); ++i) {
    if (i % every == 0) check_mask(m, where + " after " + std::to_string(i) + " tokens");
    if (i == w.tokens.size()) break;
    REQUIRE(m.accept_token(w.tokens[i]));
  }
}

struct Source {
  Kind kind;
  std::string name, text;
};

std::vector<Source> sources() {
  std::vector<Source> out;
  for (const auto& p : test::data_files("schemas", ".json"))
    out.push_back({Kind::kJsonSchema, p.filename().string(), test::read_text(p)});
  for (const auto& p : test::data_files("grammars", ".gbnf"))
    out.push_back({Kind::kGbnf, p.filename().string(), test::read_text(p)});
  out.push_back({Kind::kRegex, "regex", "(P|C)-[0-9]{3}: (ok|fail [a-z ]{1,20})"});
  return out;
}

// The output of a finished walk is what the constraint promises.
void check_output(const Source& s, const std::shared_ptr<const Constraint>& c,
                  const test::Walk& w) {
  INFO(s.name << " output: " << w.text);
  REQUIRE(w.complete);
  CHECK(test::accepts(c, w.text));
  if (s.kind == Kind::kJsonSchema) {
    nlohmann::json parsed;
    REQUIRE_NOTHROW(parsed = nlohmann::json::parse(w.text));
    auto schema = parse_json(s.text, "schema");
    REQUIRE(schema);
    // Additional properties may repeat a name (a grammar cannot rule that out): all must validate.
    auto value = parse_json(w.text, "output", true);
    REQUIRE(value);
    CHECK(SchemaValidator(*schema).valid(*value));
  }
  if (s.name == "json.gbnf") CHECK_NOTHROW(nlohmann::json::parse(w.text));
}

TEST_CASE("masks equal the brute-force answer (demo model vocabulary)") {
  auto vocab = test::tiny_vocab();
  REQUIRE(vocab);
  for (const Source& s : sources()) {
    auto c = Constraint::compile(s.kind, s.text, vocab);
    INFO(s.name);
    REQUIRE(c);
    for (uint32_t seed = 1; seed <= 3; ++seed) {
      const test::Walk w = test::random_walk(*c, seed * 7919 + 1);
      check_masks_along(*c, w, 3, s.name);
    }
  }
}

TEST_CASE("masks equal the brute-force answer (Qwen3 vocabulary)") {
  auto vocab = test::qwen3_vocab();
  if (!vocab) {
    WARN("reference/tokenizer/qwen3.gguf not found: skipped");
    return;
  }
  REQUIRE(vocab->size() == 151936);
  for (const Source& s : sources()) {
    // A subset, to bound the time (each check tests 151,936 tokens one by one): bounded strings
    // far from and near their bounds, patterns, formats, recursion, and two grammars.
    static const std::set<std::string> subset = {
        "01_diagnosis.json",      "07_unicode_strings.json",
        "11_recursive_tree.json", "13_formats.json",
        "19_string_list.json",    "21_pattern_codes.json",
        "33_escapes.json",        "json.gbnf",
        "spanish_answer.gbnf"};
    if (!subset.count(s.name)) continue;
    auto c = Constraint::compile(s.kind, s.text, vocab);
    INFO(s.name);
    REQUIRE(c);
    const test::Walk w = test::random_walk(*c, 99, 400);
    check_masks_along(*c, w, std::max<size_t>(1, w.tokens.size() / 3), s.name);
  }
}

TEST_CASE("random walks end in output that parses and validates") {
  auto tiny = test::tiny_vocab();
  REQUIRE(tiny);
  auto qwen = test::qwen3_vocab();
  for (const Source& s : sources()) {
    auto c = Constraint::compile(s.kind, s.text, tiny);
    INFO(s.name);
    REQUIRE(c);
    for (uint32_t seed = 0; seed < 20; ++seed) check_output(s, *c, test::random_walk(*c, seed));
    // Qwen3's vocabulary: one walk per source (each step scans 151,936 tokens).
    if (!qwen) continue;
    auto q = Constraint::compile(s.kind, s.text, qwen);
    REQUIRE(q);
    check_output(s, *q, test::random_walk(*q, 1000, 1500));
  }
}

TEST_CASE("end-of-generation and special tokens") {
  auto c = test::compile(Kind::kRegex, "ab|abc");
  REQUIRE(c);
  Matcher m(*c);
  std::vector<uint32_t> mask(test::byte_vocab()->mask_words());
  m.fill_mask(mask.data());
  CHECK(allowed(mask, 'a'));
  CHECK_FALSE(allowed(mask, 'b'));
  CHECK_FALSE(allowed(mask, 256));  // eog: not complete yet
  CHECK_FALSE(allowed(mask, 257));  // special: never text
  CHECK_FALSE(m.accept_token(256));
  CHECK_FALSE(m.accept_token(257));
  CHECK_FALSE(m.accept_token('b'));
  REQUIRE(m.accept_token('a'));
  REQUIRE(m.accept_token('b'));
  CHECK(m.can_end());
  CHECK_FALSE(m.is_complete());  // "c" may follow
  m.fill_mask(mask.data());
  CHECK(allowed(mask, 'c'));
  CHECK(allowed(mask, 256));
  REQUIRE(m.accept_token('c'));
  CHECK(m.is_complete());
  m.fill_mask(mask.data());
  for (int32_t t = 0; t < 258; ++t) CHECK(allowed(mask, t) == (t == 256));
  REQUIRE(m.accept_token(256));
  CHECK(m.is_complete());
  CHECK_FALSE(m.can_end());
  CHECK_FALSE(m.accept_token('a'));
  m.reset();
  CHECK_FALSE(m.can_end());
  CHECK(m.accept_text("abc"));
  // A refused text changes nothing.
  Matcher n(*c);
  CHECK_FALSE(n.accept_text("ax"));
  CHECK(n.accept_text("ab"));
}

TEST_CASE("forced text between tokens (a tool call's template text)") {
  auto c = test::compile(Kind::kJsonSchema,
                         R"({"type": "object", "properties": {"name": {"const": "get_reading"},
      "arguments": {"type": "object", "properties": {"sensor": {"type": "string"}}, "required": ["sensor"],
      "additionalProperties": false}}, "required": ["name", "arguments"], "additionalProperties": false})");
  REQUIRE(c);
  Matcher m(*c);
  REQUIRE(m.accept_text("{\"name\": \"get_reading\", \"arguments\": "));
  CHECK(m.allows_text("{\"sensor\": \"p1\"}}"));
  CHECK_FALSE(m.allows_text("{\"other\": 1}}"));
  REQUIRE(m.accept_text("{\"sensor\": \"p1\"}}"));
  CHECK(m.is_complete());
}

TEST_CASE("one constraint shared by matchers on several threads") {
  auto vocab = test::tiny_vocab();
  REQUIRE(vocab);
  const std::string schema = test::read_text(test::data_dir() / "schemas" / "01_diagnosis.json");
  std::vector<std::string> expected;
  {
    auto c = Constraint::compile(Kind::kJsonSchema, schema, vocab);
    REQUIRE(c);
    for (uint32_t seed = 0; seed < 8; ++seed) expected.push_back(test::random_walk(*c, seed).text);
  }
  // Small caches force resets while other threads hold configurations.
  Options small;
  small.cache_bytes = 64 << 10;
  for (const Options& options : {Options{}, small}) {
    auto c = Constraint::compile(Kind::kJsonSchema, schema, vocab, options);
    REQUIRE(c);
    std::vector<std::string> got(expected.size());
    std::vector<std::thread> threads;
    for (uint32_t t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {
        for (uint32_t seed = t; seed < got.size(); seed += 2)
          got[seed] = test::random_walk(*c, seed).text;
      });
    for (std::thread& th : threads) th.join();
    CHECK(got == expected);
  }
}

TEST_CASE("masks stay right across cache resets") {
  auto vocab = test::tiny_vocab();
  REQUIRE(vocab);
  Options small;
  small.cache_bytes = 16 << 10;
  auto c = Constraint::compile(
      Kind::kGbnf, test::read_text(test::data_dir() / "grammars" / "json.gbnf"), vocab, small);
  REQUIRE(c);
  const test::Walk w = test::random_walk(*c, 5, 300);
  check_masks_along(*c, w, 2, "json.gbnf with a 16 KiB cache");
}

}  // namespace
}  // namespace shoptalk::engine::constraint
