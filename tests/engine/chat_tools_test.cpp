// Tool calling in the chat templates: Qwen3's and Phi-4-mini's built-in templates against the
// models' own Jinja templates rendered by jinja2 (tests/data/chat/render_tool_templates.py wrote
// the expected prompts), the tools' JSON as Python writes it, the calls constraint and reading
// calls back, and bad tool lists.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/chat/chat_template.h"
#include "engine/chat/tools.h"
#include "json.h"

namespace shoptalk::engine {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

ChatFamily family_named(const std::string& name) {
  return name == "qwen3" ? ChatFamily::kQwen3 : ChatFamily::kPhi4;
}

ToolSpec tool_of(const json::Json& t) {
  return {t["name"].get<std::string>(), t["description"].get<std::string>(),
          t["parameters"].get<std::string>()};
}

TEST_CASE("tools: Qwen3 and Phi-4-mini render as their Jinja templates do, byte for byte",
          "[chat][tools]") {
  auto cases = json::parse(read_file(SHOPTALK_TEST_DATA_DIR "/chat/tool_templates.json"));
  REQUIRE(cases);
  REQUIRE(cases->size() >= 14);
  for (const json::Json& c : *cases) {
    ChatOptions options;
    options.add_generation_prompt = c["add_generation_prompt"].get<bool>();
    options.enable_thinking = c["enable_thinking"].get<bool>();
    for (const json::Json& t : c["tools"]) options.tools.push_back(tool_of(t));
    std::vector<ChatMessage> messages;
    for (const json::Json& m : c["messages"]) {
      ChatMessage message(m["role"].get<std::string>(), m["content"].get<std::string>());
      if (m.contains("tool_calls"))
        for (const json::Json& call : m["tool_calls"])
          message.tool_calls.push_back(
              {call["name"].get<std::string>(), call["arguments"].get<std::string>()});
      messages.push_back(std::move(message));
    }
    const std::string family = c["family"].get<std::string>();
    INFO(family << ": " << c["name"].get<std::string>());
    auto text = render_chat(family_named(family), messages, options);
    REQUIRE(text);
    CHECK(*text == c["expected"].get<std::string>());
  }
}

TEST_CASE("tools: JSON is written as Python's json.dumps writes it", "[chat][tools]") {
  auto dumped = [](const char* text) {
    auto j = python_json(text);
    REQUIRE(j);
    return *j;
  };
  CHECK(dumped(R"({"a":1,"b":[true,false,null],"c":{"d":"x"}})") ==
        R"({"a": 1, "b": [true, false, null], "c": {"d": "x"}})");
  CHECK(dumped("[1.0, 2.50, 1e-5, 1E16, 1e15, 0.0001, 123456789.125, -0, -0.0, 3e300, 5e-324]") ==
        "[1.0, 2.5, 1e-05, 1e+16, 1000000000000000.0, 0.0001, 123456789.125, 0, -0.0, 3e+300, "
        "5e-324]");
  CHECK(dumped("[12345678901234567890123, 0.1, 100.0, 1.5e2]") ==
        "[12345678901234567890123, 0.1, 100.0, 150.0]");
  CHECK(dumped(R"(["é \"q\" \\ \/ \n\t\b\f\r \u0001 \u007f \u00e9 😀"])") ==
        "[\"é \\\"q\\\" \\\\ / \\n\\t\\b\\f\\r \\u0001 \x7f é 😀\"]");
  CHECK_FALSE(python_json("{\"a\": }"));
}

TEST_CASE("tools: bad tool lists are refused with the reason", "[chat][tools]") {
  const std::string object = R"({"type": "object"})";
  auto refused = [&](const std::vector<ToolSpec>& tools, const char* what) {
    ChatOptions options;
    options.tools = tools;
    auto text = render_chat(ChatFamily::kQwen3, {{"user", "hi"}}, options);
    REQUIRE_FALSE(text);
    CHECK(text.error().code() == ErrorCode::kInvalidArgument);
    CHECK_THAT(text.error().message(), Catch::Contains(what));
  };
  refused({{"", "", object}}, "no name");
  refused({{"a b", "", object}}, "character");
  refused({{"a", "", object}, {"a", "", object}}, "two tools are named 'a'");
  refused({{"a", "", ""}}, "no parameters");
  refused({{"a", "", "{\"type\": }"}}, "tool 'a': json schema: line 1, column 10");

  ChatOptions options;
  options.tools = {{"a", "", object}};
  auto llama = render_chat(ChatFamily::kLlama3, {{"user", "hi"}}, options);
  REQUIRE_FALSE(llama);
  CHECK(llama.error().code() == ErrorCode::kUnsupported);
  CHECK_FALSE(render_chat(ChatFamily::kChatML, {{"tool", "8.5"}}, {}));
  CHECK_FALSE(render_chat(ChatFamily::kQwen3, {{"user", "hi", {{"a", "{}"}}}}, {}));
}

std::shared_ptr<const constraint::Vocabulary> byte_vocab() {
  std::vector<std::string> pieces;
  for (int i = 0; i < 256; ++i) pieces.emplace_back(1, static_cast<char>(i));
  pieces.emplace_back("</s>");
  return constraint::Vocabulary::from_pieces(pieces, {}, {256});
}

bool accepts(const std::shared_ptr<const constraint::Constraint>& c, const std::string& text) {
  constraint::Matcher m(c);
  return m.accept_text(text).ok() && m.is_complete();
}

TEST_CASE("tools: a call block's body allows exactly the calls the template writes",
          "[chat][tools]") {
  const std::vector<ToolSpec> tools = {
      {"read_sensor", "",
       R"({"type": "object", "properties": {"id": {"type": "string", "pattern": "^[a-z]+_[0-9]$"},
           "n": {"type": "integer", "minimum": 1, "maximum": 9}}, "required": ["id"],
           "additionalProperties": false})"},
      {"stop", "", R"({"$defs": {"r": {"enum": ["now", "later"]}}, "type": "object",
           "properties": {"when": {"$ref": "#/$defs/r"}}, "required": ["when"],
           "additionalProperties": false})"}};
  auto qwen = compile_tool_calls(ChatFamily::kQwen3, tools, "", byte_vocab());
  REQUIRE(qwen);
  const std::string call = R"({"name": "read_sensor", "arguments": {"id": "motor_7", "n": 3}})";
  CHECK(accepts(*qwen, "\n" + call + "\n"));
  CHECK(accepts(*qwen, "\n{\"name\": \"stop\", \"arguments\": {\"when\": \"now\"}}\n"));
  CHECK_FALSE(accepts(*qwen, "\n{\"name\": \"stop\", \"arguments\": {\"when\": \"soon\"}}\n"));
  CHECK_FALSE(accepts(*qwen, "\n{\"name\": \"other\", \"arguments\": {}}\n"));
  CHECK_FALSE(accepts(*qwen, "\n{\"name\":\"stop\",\"arguments\":{\"when\":\"now\"}}\n"));
  CHECK_FALSE(accepts(*qwen, "\n{\"name\": \"read_sensor\", \"arguments\": {\"n\": 3}}\n"));

  auto phi = compile_tool_calls(ChatFamily::kPhi4, tools, "", byte_vocab());
  REQUIRE(phi);
  CHECK(accepts(*phi, "[" + call + "]"));
  CHECK(
      accepts(*phi, "[" + call + ", {\"name\": \"stop\", \"arguments\": {\"when\": \"later\"}}]"));
  CHECK_FALSE(accepts(*phi, "[]"));

  auto only = compile_tool_calls(ChatFamily::kQwen3, tools, "stop", byte_vocab());
  REQUIRE(only);
  CHECK_FALSE(accepts(*only, "\n" + call + "\n"));
  auto unknown = compile_tool_calls(ChatFamily::kQwen3, tools, "start", byte_vocab());
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message(), Catch::Contains("no tool is named 'start'"));
  auto bad = compile_tool_calls(ChatFamily::kQwen3, {{"t", "", R"({"type": "object",
      "properties": {"x": {"type": "integer", "minimum": 5, "maximum": 4}}, "required": ["x"]})"}},
                                "", byte_vocab());
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::StartsWith("tool 't': "));
  CHECK_FALSE(compile_tool_calls(ChatFamily::kLlama3, tools, "", byte_vocab()));
}

TEST_CASE("tools: calls are read back from a body as written", "[chat][tools]") {
  const std::vector<ToolCall> calls = {{"read_sensor", R"({"id": "a_1", "note": "} \" ]"})"},
                                       {"stop", R"({"when": ["now", {"x": 1}]})"}};
  for (ChatFamily family : {ChatFamily::kQwen3, ChatFamily::kPhi4}) {
    const ToolCallSyntax& syntax = *tool_call_syntax(family);
    std::string text = syntax.separator.empty()
                           ? call_block(family, calls)
                           : call_block(family, {calls[0]}) + "\n" + call_block(family, {calls[1]});
    std::vector<ToolCall> read;
    for (size_t at = text.find(syntax.open); at != std::string::npos;
         at = text.find(syntax.open, at)) {
      const size_t body = at + syntax.open.size();
      const size_t end = text.find(syntax.close, body);
      for (ToolCall& c : parse_call_body(std::string_view(text).substr(body, end - body)))
        read.push_back(c);
      at = end;
    }
    REQUIRE(read.size() == 2);
    for (size_t i = 0; i < 2; ++i) {
      CHECK(read[i].name == calls[i].name);
      CHECK(read[i].arguments == calls[i].arguments);
    }
  }
}

}  // namespace
}  // namespace shoptalk::engine
