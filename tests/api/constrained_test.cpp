// Constrained generation through the public API. The guarantee under test is that the constraint
// alone makes the answer valid, whatever the weights: every schema of tests/data/constraint (and
// every GBNF grammar there) is generated from with kSeeds seeds at temperature 1.0, from a
// random-weight Qwen3 model made here and from the demo model, and every answer must parse and
// validate under an oracle that shares no code with the engine (nlohmann/json and the validator
// of json_oracle.h; for grammars, a membership check written per grammar).
//
// A random model rarely picks a string's closing quote or the end of generation out of thousands
// of allowed tokens, so its strings would run to their maxLength or forever, and a pattern that
// needs a '_' could wait thousands of tokens for one; the demo model likes to go on writing. The
// generations give the closing tokens (", ], }, ), the end-of-generation tokens) a logit bias (per
// model, see cases()) and one-character punctuation a little less: values end in tens to hundreds
// of tokens. The bias only moves the logits, which the
// guarantee does not depend on.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <regex>
#include <sstream>
#include <thread>

#include "api_helpers.h"
#include "json_oracle.h"

namespace shoptalk::test {

namespace {

namespace fs = std::filesystem;

constexpr int kSeeds = SHOPTALK_CONSTRAINED_SEEDS;
constexpr int kMaxTokens = 2000;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<fs::path> data_files(const std::string& folder, const std::string& ext) {
  std::vector<fs::path> out;
  for (const auto& e :
       fs::directory_iterator(fs::path(SHOPTALK_TEST_DATA_DIR) / "constraint" / folder))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A random-weight Qwen3 model with the Qwen3 tokens (<think>, <tool_call>, ...) at the end of a
// 2048-token vocabulary.
const Model& random_model() {
  static const Model model = random_chat_model("qwen3", "qwen3");
  return model;
}

// The closing tokens of a vocabulary, favoured by kCloseBias, and the one-character punctuation
// tokens patterns ask for (motor_7, 12:30, a@b; not the comma, which continues lists), a little
// less; '@' by at_bias.
std::vector<std::pair<Token, float>> closing_bias(const Model& model, float close_bias,
                                                  float at_bias) {
  std::vector<std::pair<Token, float>> bias;
  for (Token t = 0; t < model.info().n_vocab; ++t) {
    const auto text = model.detokenize({t});
    if (!text) continue;
    const bool closes = *text == "\"" || *text == "]" || *text == "}" || *text == ")" ||
                        *text == "\"}" || *text == "\"]" || *text == "}]" || *text == "}}" ||
                        *text == "]}" || *text == "))";
    if (*text == "@")
      bias.push_back({t, at_bias});
    else if (closes || model.is_end_of_generation(t))
      bias.push_back({t, close_bias});
    else if (text->size() == 1 && std::strchr("_-.:@/\\", (*text)[0]))
      bias.push_back({t, close_bias - 2.0f});
  }
  return bias;
}

struct Case {
  const Model* model;
  const char* name;
  float close_bias;
  float at_bias;
};

GenerateOptions sampled(const Case& m, uint64_t seed) {
  static std::map<const void*, std::vector<std::pair<Token, float>>> biases;
  auto& bias = biases[&m.model->info()];
  if (bias.empty()) bias = closing_bias(*m.model, m.close_bias, m.at_bias);
  GenerateOptions o;
  o.max_tokens = kMaxTokens;
  // Plain sampling from the whole distribution: whatever a pattern still needs can be drawn.
  o.sampling.temperature = 1.0f;
  o.sampling.top_k = 0;
  o.sampling.top_p = 1.0f;
  o.sampling.min_p = 0.0f;
  o.sampling.seed = seed;
  o.sampling.logit_bias = bias;
  o.enable_thinking = false;
  return o;
}

// Generates kSeeds answers under the constraint and hands each value to `check`.
void generate_all(const Case& m, const Constraint& c, const std::string& what,
                  const std::function<void(const std::string&)>& check) {
  // The demo model was trained on 512 tokens; a long value needs more room (its quality past the
  // training context does not matter here).
  SessionOptions options;
  options.threads = 1;
  options.context = kMaxTokens + 256;
  options.allow_context_beyond_training = true;
  auto created = Session::create(*m.model, options);
  REQUIRE(created);
  Session& session = *created;
  const std::vector<ChatMessage> chat = {{"system", kSystem},
                                         {"user", "Report the pump P-204 diagnosis."}};
  for (int seed = 1; seed <= kSeeds; ++seed) {
    GenerateOptions o = sampled(m, static_cast<uint64_t>(seed));
    o.constraint = c;
    auto g = session.chat(chat, o);
    INFO(what << ", seed " << seed);
    REQUIRE(g);
    INFO("answer: " << g->text);
    REQUIRE(g->stop_reason == StopReason::kEndOfGeneration);
    CHECK(g->value == g->text);
    CHECK(c.check(g->value));
    check(g->value);
  }
}

// The trained demo model's logits are far more peaked than the random model's: its closing
// tokens need a stronger push, and '@' (which a@b patterns require before their string closes,
// and which it all but never writes) more still, or it can spend every token on ')' and '/'.
std::vector<Case> cases() {
  return {{&random_model(), "random", 6.0f, 4.0f}, {&demo_model(), "demo", 12.0f, 24.0f}};
}

TEST_CASE("constrained: every schema's answers parse and validate, random and demo weights",
          "[constrained]") {
  const std::vector<fs::path> schemas = data_files("schemas", ".json");
  REQUIRE(schemas.size() >= 30);
  for (const Case& m : cases()) {
    for (const fs::path& file : schemas) {
      const std::string text = read_text(file);
      auto c = Constraint::compile(*m.model, ConstraintKind::kJsonSchema, text);
      INFO(file.filename().string());
      REQUIRE(c);
      const OJson schema = OJson::parse(text);
      generate_all(m, *c, std::string(m.name) + " " + file.filename().string(),
                   [&](const std::string& value) {
                     const OJson parsed = OJson::parse(value, nullptr, false);
                     REQUIRE_FALSE(parsed.is_discarded());
                     SchemaOracle oracle(schema);
                     INFO("oracle: " << oracle.failure());
                     CHECK(oracle.valid(parsed));
                   });
    }
  }
}

// Membership of each grammar of tests/data/constraint/grammars, checked without the engine.
bool wmatch(const std::string& text, const wchar_t* pattern) {
  std::wstring w;
  return utf32(text, w) && std::regex_match(w, std::wregex(pattern, std::regex::ECMAScript));
}

// arithmetic.gbnf: expr ::= term (ws [-+] ws term)*, term ::= factor (ws [*/] ws factor)*,
// factor ::= number | "(" ws expr ws ")", ws ::= " "?.
struct Arithmetic {
  const std::string& s;
  size_t i = 0;
  void ws() {
    if (i < s.size() && s[i] == ' ') ++i;
  }
  bool number() {
    const size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    if (i == start) return false;
    if (i < s.size() && s[i] == '.') {
      const size_t frac = ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
      if (i == frac) return false;
    }
    return true;
  }
  bool factor() {
    if (i < s.size() && s[i] == '(') {
      ++i;
      ws();
      if (!expr()) return false;
      ws();
      if (i >= s.size() || s[i] != ')') return false;
      ++i;
      return true;
    }
    return number();
  }
  bool chain(bool (Arithmetic::*item)(), const char* ops) {
    if (!(this->*item)()) return false;
    for (;;) {
      const size_t save = i;
      ws();
      if (i < s.size() && std::strchr(ops, s[i])) {
        ++i;
        ws();
        if (!(this->*item)()) return false;
      } else {
        i = save;
        return true;
      }
    }
  }
  bool term() { return chain(&Arithmetic::factor, "*/"); }
  bool expr() { return chain(&Arithmetic::term, "+-"); }
  bool whole() { return expr() && i == s.size(); }
};

bool balanced(const std::string& s) {
  std::string stack;
  const std::string open = "([{", close = ")]}";
  for (char c : s) {
    const size_t o = open.find(c), k = close.find(c);
    if (o != std::string::npos) {
      stack.push_back(close[o]);
    } else if (k == std::string::npos || stack.empty() || stack.back() != c) {
      return false;
    } else {
      stack.pop_back();
    }
  }
  return !s.empty() && stack.empty();
}

const std::map<std::string, std::function<bool(const std::string&)>>& grammar_checks() {
  static const std::map<std::string, std::function<bool(const std::string&)>> checks = {
      {"arithmetic", [](const std::string& s) { return Arithmetic{s}.whole(); }},
      {"balanced", balanced},
      {"checklist",
       [](const std::string& s) {
         return wmatch(s,
                       L"[1-5]\\. (Check|Verify|Replace|Inspect) [a-z0-9 ,/%-]{1,60}"
                       L"(\\n[1-5]\\. (Check|Verify|Replace|Inspect) [a-z0-9 ,/%-]{1,60}){0,4}");
       }},
      {"config",
       [](const std::string& s) {
         return wmatch(s,
                       L"(([a-z][a-z_0-9]*[ \\t]?=[ \\t]?([0-9]+|\"[^\"\\n]*\"|on|off)|; "
                       L"[^\\n]{0,50})\\n)+");
       }},
      {"csv",
       [](const std::string& s) {
         return wmatch(s,
                       L"asset,reading,unit\\n([A-Z][A-Z0-9]{0,3}-[0-9]{2,4},-?[0-9]{1,4}(\\.[0-9]"
                       L"{1,2})?,(bar|°C|mm/s|A|m³/h)\\n){1,8}");
       }},
      {"identifiers",
       [](const std::string& s) {
         return wmatch(
             s,
             L"(int|float|bool) [a-zA-Z_][a-zA-Z_0-9]{0,15}( = ([0-9]+|true|false))?"
             L"(; (int|float|bool) [a-zA-Z_][a-zA-Z_0-9]{0,15}( = ([0-9]+|true|false))?)*;");
       }},
      {"json",
       [](const std::string& s) { return !OJson::parse(s, nullptr, false).is_discarded(); }},
      {"severity",
       [](const std::string& s) {
         return wmatch(s,
                       L"Severity: (low|medium|high|critical)\\nAction: (monitor|schedule "
                       L"maintenance|stop the machine|evacuate)");
       }},
      {"spanish_answer",
       [](const std::string& s) {
         return wmatch(
             s,
             L"(Hola,|Buenos días,|Atención:) [a-záéíóúüñ]{1,12}( [a-záéíóúüñ]{1,12}){0,6}"
             L"(, [a-záéíóúüñ]{1,12}( [a-záéíóúüñ]{1,12}){0,6})*\\.");
       }},
      {"tool_call",
       [](const std::string& s) {
         return wmatch(s,
                       L"<tool_call>\\n\\{\"name\": \"get_reading\", \"arguments\": \\{\"sensor\": "
                       L"\"[a-z0-9_]{1,24}\", \"window_s\": [1-9][0-9]{0,3}\\}\\}\\n</tool_call>");
       }},
      {"unicode",
       [](const std::string& s) {
         return wmatch(s, L"¿Qué\\? [\U0001F600-\U0001F64F] [^a-z\\n][\\s\\S]!");
       }},
      {"yes_no",
       [](const std::string& s) { return wmatch(s, L"(yes|no|sí)(, [a-zA-Záéíóúñ ]{1,40})?\\."); }},
  };
  return checks;
}

TEST_CASE("constrained: every grammar's answers are in its language, random and demo weights",
          "[constrained]") {
  const std::vector<fs::path> grammars = data_files("grammars", ".gbnf");
  REQUIRE(grammars.size() >= 10);
  for (const Case& m : cases()) {
    for (const fs::path& file : grammars) {
      const std::string name = file.stem().string();
      INFO(name);
      REQUIRE(grammar_checks().count(name) == 1);
      auto c = Constraint::compile(*m.model, ConstraintKind::kGrammar, read_text(file));
      REQUIRE(c);
      generate_all(m, *c, std::string(m.name) + " " + name,
                   [&](const std::string& value) { CHECK(grammar_checks().at(name)(value)); });
    }
  }
}

const char* kFlags =
    R"({"type": "object", "properties": {"lockout_done": {"type": "boolean"},
        "checks": {"type": "array", "items": {"type": "string", "maxLength": 40}, "minItems": 1,
                   "maxItems": 3}},
        "required": ["lockout_done", "checks"], "additionalProperties": false})";

TEST_CASE("constrained: with thinking on, the value follows the think block", "[constrained]") {
  const Model& model = demo_model();
  const Token open = *model.tokenize("<think>", false, true)->begin();
  const Token close = *model.tokenize("</think>", false, true)->begin();
  Session session = new_session(model);
  const std::vector<ChatMessage> chat = {{"user", "Conveyor CV-07 is slow and the motor is hot."}};
  GenerateOptions o = greedy(300);
  o.json_schema = kFlags;
  auto g = session.chat(chat, o);
  REQUIRE(g);
  INFO(g->text);
  CHECK(g->stop_reason == StopReason::kEndOfGeneration);
  REQUIRE(g->text.rfind("<think>", 0) == 0);
  const size_t end = g->text.find("</think>\n\n");
  REQUIRE(end != std::string::npos);
  CHECK(g->value == g->text.substr(end + 10));
  CHECK(g->tokens.front().token == open);
  const OJson parsed = OJson::parse(g->value, nullptr, false);
  REQUIRE_FALSE(parsed.is_discarded());
  CHECK(SchemaOracle(OJson::parse(kFlags)).valid(parsed));

  // A budget of 4 tokens: </think> comes at the latest as the 6th token.
  o.thinking_budget = 4;
  auto short_think = session.chat(chat, o);
  REQUIRE(short_think);
  size_t at = 0;
  while (at < short_think->tokens.size() && short_think->tokens[at].token != close) ++at;
  CHECK(at <= 5);
  CHECK(!OJson::parse(short_think->value, nullptr, false).is_discarded());

  // Thinking off: the template pre-fills an empty think block and the value starts at once.
  o.enable_thinking = false;
  auto direct = session.chat(chat, o);
  REQUIRE(direct);
  CHECK(direct->text == direct->value);
  CHECK(direct->text.front() == '{');
}

TEST_CASE("constrained: running out of tokens inside a value says so", "[constrained]") {
  Session session = new_session(demo_model());
  auto c = Constraint::compile(demo_model(), ConstraintKind::kJsonSchema, kFlags);
  REQUIRE(c);
  GenerateOptions o = greedy(4);
  o.constraint = *c;
  o.enable_thinking = false;
  auto g = session.chat({{"user", "Pump P-204 is noisy."}}, o);
  REQUIRE(g);
  CHECK(g->stop_reason == StopReason::kIncompleteValue);
  CHECK(std::string(stop_reason_name(g->stop_reason)) == "incomplete_value");
  CHECK(g->tokens.size() == 4);
  CHECK_FALSE(g->value.empty());
  CHECK_FALSE(c->check(g->value));

  // Out of tokens in the think block: nothing of the value yet.
  o.enable_thinking = true;
  o.max_tokens = 3;
  auto thinking = session.chat({{"user", "Pump P-204 is noisy."}}, o);
  REQUIRE(thinking);
  CHECK(thinking->stop_reason == StopReason::kIncompleteValue);
  CHECK(thinking->value.empty());

  // A value that may end where max_tokens stops it is complete: kMaxTokens.
  auto digits = Constraint::compile(demo_model(), ConstraintKind::kRegex, "[0-9]{1,40}");
  REQUIRE(digits);
  GenerateOptions d = greedy(1);
  d.constraint = *digits;
  auto one = session.generate("Count: ", d);
  REQUIRE(one);
  CHECK(one->stop_reason == StopReason::kMaxTokens);
  CHECK(digits->check(one->value));
}

TEST_CASE("constrained: stop strings and stop tokens do not cut a value", "[constrained]") {
  Session session = new_session(demo_model());
  GenerateOptions o = greedy(300);
  o.json_schema = kFlags;
  o.enable_thinking = false;
  o.stop_strings = {"\"", "lockout"};
  o.stop_tokens = *demo_model().tokenize("\"", false, false);
  auto g = session.chat({{"user", "Pump P-204 is noisy."}}, o);
  REQUIRE(g);
  CHECK(g->stop_reason == StopReason::kEndOfGeneration);
  CHECK(!OJson::parse(g->value, nullptr, false).is_discarded());
}

TEST_CASE("constrained: bad constraints are refused before anything is generated",
          "[constrained]") {
  const Model& model = demo_model();
  auto error_of = [&](ConstraintKind kind, const std::string& text) {
    auto c = Constraint::compile(model, kind, text);
    REQUIRE_FALSE(c);
    CHECK(c.error().code() == ErrorCode::kInvalidArgument);
    return c.error().message();
  };
  CHECK_THAT(error_of(ConstraintKind::kJsonSchema,
                      "{\"type\": \"object\",\n \"properties\": {\"a\": {\"minProperties\": 1}}}"),
             Catch::Contains("line 2, column") && Catch::Contains("minProperties"));
  CHECK_THAT(error_of(ConstraintKind::kJsonSchema, "{\"type\": \"object\""),
             Catch::Contains("line 1, column"));
  CHECK_THAT(error_of(ConstraintKind::kGrammar, "root ::= \"a\" undefined_rule"),
             Catch::Contains("line 1, column"));
  CHECK_THAT(error_of(ConstraintKind::kRegex, "a(?=b)"), Catch::Contains("column"));
  error_of(ConstraintKind::kJsonSchema, R"({"type": "integer", "minimum": 5, "maximum": 4})");
  error_of(ConstraintKind::kGrammar, "root ::= \"\"");
  error_of(ConstraintKind::kGrammar, "");
  error_of(ConstraintKind::kRegex, "");
  error_of(ConstraintKind::kJsonSchema, "");

  Session session = new_session(model);
  REQUIRE(session.prompt("Hello"));
  const std::vector<Token> before = session.tokens();
  auto refused = [&](const GenerateOptions& o, const char* what) {
    auto chat = session.chat({{"user", "hi"}}, o);
    REQUIRE_FALSE(chat);
    CHECK(chat.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(chat.error().message(), Catch::Contains(what));
    auto generated = session.generate("more text", o);
    REQUIRE_FALSE(generated);
    CHECK(session.tokens() == before);  // nothing evaluated
  };
  GenerateOptions o;
  o.json_schema = R"({"type": "integer", "minimum": 5, "maximum": 4})";
  refused(o, "json schema");
  o.regex = "[a-z]+";
  refused(o, "give one constraint");
  o = {};
  o.grammar = "root ::= \"a\"";
  o.constraint = *Constraint::compile(model, ConstraintKind::kRegex, "b");
  refused(o, "give one constraint");
  o = {};
  o.constraint = *Constraint::compile(random_model(), ConstraintKind::kRegex, "b");
  refused(o, "another model");
  o = {};
  o.tool_choice = ToolChoice::kRequired;
  refused(o, "need tools");
  o = {};
  o.thinking_budget = -1;
  o.regex = "b";
  refused(o, "thinking_budget");
}

TEST_CASE("constrained: a compiled constraint serves many sessions and threads at once",
          "[constrained]") {
  auto c = Constraint::compile(demo_model(), ConstraintKind::kJsonSchema, kFlags);
  REQUIRE(c);
  const Constraint shared = *c;
  std::vector<std::string> values(3);
  // Created here: new_session's failure is a Catch2 assertion, which must not run in the threads.
  std::vector<Session> sessions;
  for (size_t i = 0; i < values.size(); ++i) sessions.push_back(new_session(demo_model()));
  std::vector<std::thread> threads;
  for (size_t i = 0; i < values.size(); ++i) {
    threads.emplace_back([&, i] {
      Session& session = sessions[i];
      GenerateOptions o = greedy(200);
      o.constraint = shared;
      o.enable_thinking = false;
      auto g = session.chat({{"user", "Motor M-" + std::to_string(i) + " trips."}}, o);
      if (g && g->stop_reason == StopReason::kEndOfGeneration) values[i] = g->value;
    });
  }
  for (std::thread& t : threads) t.join();
  for (const std::string& v : values) {
    INFO(v);
    CHECK(shared.check(v));
  }
}

}  // namespace

}  // namespace shoptalk::test
