#include "engine/chat/tools.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>

#include "engine/constraint/grammar.h"
#include "engine/constraint/json_schema.h"
#include "engine/constraint/json_value.h"
#include "formats/try.h"

namespace shoptalk::engine {

namespace {

using constraint::JsonValue;

constexpr ToolCallSyntax kQwen3Calls{"<tool_call>", "</tool_call>", "\n"};
constexpr ToolCallSyntax kPhi4Calls{"<|tool_call|>", "<|/tool_call|>", ""};

// What the templates write around a call's name and arguments.
constexpr std::string_view kNameOpen = "{\"name\": \"";
constexpr std::string_view kArgumentsOpen = "\", \"arguments\": ";
constexpr std::string_view kCallTail = "}";
std::string call_head(std::string_view name) {
  return std::string(kNameOpen).append(name).append(kArgumentsOpen);
}

Error invalid(const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, message);
}

void python_string(std::string_view s, std::string& out) {
  out.push_back('"');
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      case '\b':
        out.append("\\b");
        break;
      case '\f':
        out.append("\\f");
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out.append(buf);
        } else {
          out.push_back(ch);
        }
    }
  }
  out.push_back('"');
}

// repr() of a float: the shortest digits that read back to the same double, in fixed notation
// for decimal exponents -4..15 (with ".0" when integral), else d.ddde+XX.
std::string python_float(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x < 0 ? "-Infinity" : "Infinity";
  char buf[40];
  for (int precision = 0; precision < 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*e", precision, x);
    if (std::strtod(buf, nullptr) == x) break;
  }
  const std::string e_form = buf;
  const size_t e_at = e_form.find('e');
  std::string digits;
  for (char c : e_form.substr(0, e_at))
    if (c >= '0' && c <= '9') digits.push_back(c);
  const int exponent = std::atoi(e_form.c_str() + e_at + 1);
  std::string out = std::signbit(x) ? "-" : "";
  const int n = static_cast<int>(digits.size());
  if (exponent >= -4 && exponent < 16) {
    const int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out.append("0.").append(static_cast<size_t>(-point), '0').append(digits);
    } else if (point >= n) {
      out.append(digits).append(static_cast<size_t>(point - n), '0').append(".0");
    } else {
      out.append(digits.substr(0, static_cast<size_t>(point)))
          .append(".")
          .append(digits.substr(static_cast<size_t>(point)));
    }
  } else {
    out.push_back(digits[0]);
    if (n > 1) out.append(".").append(digits.substr(1));
    std::snprintf(buf, sizeof buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
    out.append(buf);
  }
  return out;
}

// json.loads reads a number with a fraction or an exponent as a float, any other as an int
// (written back with the same digits; "-0" is the int 0).
void python_number(const JsonValue& v, std::string& out) {
  if (v.text.find_first_of(".eE") != std::string::npos)
    out.append(python_float(v.number));
  else
    out.append(v.text == "-0" ? "0" : v.text);
}

void python_value(const JsonValue& v, std::string& out) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      out.append("null");
      return;
    case JsonValue::Type::kBool:
      out.append(v.boolean ? "true" : "false");
      return;
    case JsonValue::Type::kNumber:
      python_number(v, out);
      return;
    case JsonValue::Type::kString:
      python_string(v.text, out);
      return;
    case JsonValue::Type::kArray:
      out.push_back('[');
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i > 0) out.append(", ");
        python_value(v.items[i], out);
      }
      out.push_back(']');
      return;
    case JsonValue::Type::kObject:
      out.push_back('{');
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i > 0) out.append(", ");
        python_string(v.members[i].key, out);
        out.append(": ");
        python_value(v.members[i].value, out);
      }
      out.push_back('}');
      return;
  }
}

// {"name": ..., "description": ..., "parameters": ...}
Result<std::string> function_json(const ToolSpec& tool) {
  std::string out = "{\"name\": ";
  python_string(tool.name, out);
  out.append(", \"description\": ");
  python_string(tool.description, out);
  out.append(", \"parameters\": ");
  ST_ASSIGN_OR_RETURN(const std::string parameters, python_json(tool.parameters));
  out.append(parameters).append("}");
  return out;
}

// The end of the JSON object or array starting at `at` (one past its closing bracket).
size_t json_end(std::string_view s, size_t at) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = at; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return i + 1;
    }
  }
  return s.size();
}

}  // namespace

const ToolCallSyntax* tool_call_syntax(ChatFamily family) {
  switch (family) {
    case ChatFamily::kQwen3:
      return &kQwen3Calls;
    case ChatFamily::kPhi4:
      return &kPhi4Calls;
    default:
      return nullptr;
  }
}

Status check_tools(const std::vector<ToolSpec>& tools) {
  std::unordered_set<std::string_view> names;
  for (const ToolSpec& tool : tools) {
    if (tool.name.empty()) return invalid("a tool has no name");
    for (char c : tool.name) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '-' || c == '.';
      if (!ok)
        return invalid("tool name '" + tool.name +
                       "' has a character other than letters, digits, '_', '-' and '.'");
    }
    if (!names.insert(tool.name).second) return invalid("two tools are named '" + tool.name + "'");
    if (tool.parameters.empty())
      return invalid("tool '" + tool.name + "' has no parameters schema");
    Result<JsonValue> parsed = constraint::parse_json(tool.parameters, "json schema");
    if (!parsed) return invalid("tool '" + tool.name + "': " + parsed.error().message());
  }
  return {};
}

Result<std::string> python_json(std::string_view json) {
  ST_ASSIGN_OR_RETURN(const JsonValue value, constraint::parse_json(json, "json"));
  std::string out;
  python_value(value, out);
  return out;
}

Result<std::string> qwen3_tool_json(const ToolSpec& tool) {
  ST_ASSIGN_OR_RETURN(const std::string function, function_json(tool));
  return "{\"type\": \"function\", \"function\": " + function + "}";
}

Result<std::string> phi4_tools_json(const std::vector<ToolSpec>& tools) {
  std::string out = "[";
  for (size_t i = 0; i < tools.size(); ++i) {
    if (i > 0) out.append(", ");
    ST_ASSIGN_OR_RETURN(const std::string function, function_json(tools[i]));
    out.append(function);
  }
  return out + "]";
}

std::string call_block(ChatFamily family, const std::vector<ToolCall>& calls) {
  const ToolCallSyntax& syntax = *tool_call_syntax(family);
  const bool list = syntax.separator.empty();
  std::string out(syntax.open);
  if (list) out.push_back('[');
  for (size_t i = 0; i < calls.size(); ++i) {
    if (i > 0 && list) out.append(", ");
    if (!list) out.push_back('\n');
    out.append(call_head(calls[i].name)).append(calls[i].arguments).append(kCallTail);
    if (!list) out.push_back('\n');
  }
  if (list) out.push_back(']');
  return out.append(syntax.close);
}

Result<std::shared_ptr<const constraint::Constraint>> compile_tool_calls(
    ChatFamily family, const std::vector<ToolSpec>& tools, std::string_view only,
    std::shared_ptr<const constraint::Vocabulary> vocab) {
  const ToolCallSyntax* syntax = tool_call_syntax(family);
  if (!syntax)
    return Error(ErrorCode::kUnsupported,
                 std::string("the ") + chat_family_name(family) + " chat format has no tool calls");
  ST_TRY(check_tools(tools));
  constraint::GrammarBuilder b;
  std::vector<constraint::ExprId> calls;
  for (const ToolSpec& tool : tools) {
    if (!only.empty() && tool.name != only) continue;
    // Compiled on its own first, so that a schema nothing satisfies is an error naming the tool.
    const int indent = constraint::Options().json_max_indent;
    constraint::GrammarBuilder alone;
    Status schema = constraint::compile_json_schema(alone, tool.parameters, indent);
    if (schema) {
      Result<constraint::Grammar> compiled = constraint::compile_grammar(alone, "json schema");
      if (!compiled) schema = compiled.error();
    }
    if (schema) schema = constraint::compile_json_schema(b, tool.parameters, indent);
    if (!schema) return invalid("tool '" + tool.name + "': " + schema.error().message());
    const constraint::RuleId arguments = b.root();
    calls.push_back(
        b.seq({b.literal(call_head(tool.name)), b.call(arguments), b.literal(kCallTail)}));
  }
  if (calls.empty())
    return invalid(only.empty() ? "no tools to call"
                                : "no tool is named '" + std::string(only) + "'");
  const constraint::RuleId call = b.add_rule("tool call");
  b.define(call, b.alt(calls));
  constraint::ExprId body;
  if (syntax->separator.empty()) {
    body = b.seq({b.literal("["), b.call(call), b.star(b.seq({b.literal(", "), b.call(call)})),
                  b.literal("]")});
  } else {
    body = b.seq({b.literal("\n"), b.call(call), b.literal("\n")});
  }
  const constraint::RuleId root = b.add_rule("tool calls");
  b.define(root, body);
  b.set_root(root);
  return constraint::Constraint::compile(b, "tool calls", std::move(vocab));
}

std::vector<ToolCall> parse_call_body(std::string_view body) {
  std::vector<ToolCall> calls;
  for (size_t at = body.find('{'); at != std::string_view::npos; at = body.find('{', at)) {
    const size_t end = json_end(body, at);
    const std::string_view call = body.substr(at, end - at);
    const size_t name_end = call.find('"', kNameOpen.size());
    const size_t args = name_end + kArgumentsOpen.size();
    if (name_end != std::string_view::npos && args + kCallTail.size() <= call.size()) {
      calls.push_back({std::string(call.substr(kNameOpen.size(), name_end - kNameOpen.size())),
                       std::string(call.substr(args, call.size() - kCallTail.size() - args))});
    }
    at = end;
  }
  return calls;
}

}  // namespace shoptalk::engine
