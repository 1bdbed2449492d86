// Tool calling in the chat formats that have it, Qwen3 and Phi-4-mini (docs/tokenizer.md, "Tool
// calls"): how their templates show the tools, how the model writes a call, the constraint of a
// call block's body and reading the calls back out of it.
//
//   Qwen3:      <tool_call>\n{"name": "N", "arguments": {...}}\n</tool_call>, one block per call,
//               "\n" between blocks.
//   Phi-4-mini: <|tool_call|>[{"name": "N", "arguments": {...}}, ...]<|/tool_call|>, one block.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/chat_family.h"
#include "engine/constraint/constraint.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct ToolSpec {
  std::string name;
  std::string description;
  std::string parameters;  // JSON Schema text
};

struct ToolCall {
  std::string name;
  std::string arguments;  // JSON text
};

// How a family writes calls: its marker tokens' texts and what separates two call blocks (empty:
// one block holding a JSON array of calls).
struct ToolCallSyntax {
  std::string_view open;
  std::string_view close;
  std::string_view separator;
};

// nullptr when the family has no tool calling.
const ToolCallSyntax* tool_call_syntax(ChatFamily family);

// Names are non-empty, of letters, digits, '_', '-' and '.', and unique; parameters are JSON.
Status check_tools(const std::vector<ToolSpec>& tools);

// The text Python's json.dumps writes for a JSON document (", " and ": " separators, non-ASCII
// characters raw, floats as repr writes them): what the templates' tojson filter gives.
Result<std::string> python_json(std::string_view json);
// A tool as Qwen3's template shows it: {"type": "function", "function": {"name": ...,
// "description": ..., "parameters": ...}}.
Result<std::string> qwen3_tool_json(const ToolSpec& tool);
// The tools as Phi-4-mini's system message carries them: [{"name": ..., "description": ...,
// "parameters": ...}, ...].
Result<std::string> phi4_tools_json(const std::vector<ToolSpec>& tools);

// One call block as the template writes the calls, markers included (Qwen3: one call a block).
// The family must have tool calls.
std::string call_block(ChatFamily family, const std::vector<ToolCall>& calls);

// The constraint of a call block's body: a call of any of the tools (only the one named `only`
// when it is set), its arguments valid under that tool's schema. Errors name the tool.
Result<std::shared_ptr<const constraint::Constraint>> compile_tool_calls(
    ChatFamily family, const std::vector<ToolSpec>& tools, std::string_view only,
    std::shared_ptr<const constraint::Vocabulary> vocab);

// The calls of a body the constraint accepted, arguments as written.
std::vector<ToolCall> parse_call_body(std::string_view body);

}  // namespace shoptalk::engine
