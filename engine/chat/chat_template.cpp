#include "engine/chat/chat_template.h"

#include <algorithm>
#include <ctime>

#include "engine/model/arch_spec.h"
#include "formats/try.h"

namespace shoptalk::engine {

namespace {

constexpr std::string_view kImStart = "<|im_start|>";
constexpr std::string_view kImEnd = "<|im_end|>";

constexpr std::string_view kQwen25System =
    "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
constexpr std::string_view kSmolLM2System =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face";
constexpr std::string_view kSmolLM3Persona =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face.";
constexpr std::string_view kSmolLM3ThinkPersona =
    "You are a helpful AI assistant named SmolLM, trained by Hugging Face. Your role as an "
    "assistant involves thoroughly exploring questions through a systematic thinking process "
    "before providing the final precise and accurate solutions. This requires engaging in a "
    "comprehensive cycle of analysis, summarizing, exploration, reassessment, reflection, "
    "backtracking, and iteration to develop well-considered thinking process. Please structure "
    "your response into two main sections: Thought and Solution using the specified format: "
    "<think> Thought section </think> Solution section. In the Thought section, detail your "
    "reasoning process in steps. Each step should include detailed considerations such as "
    "analysing questions, summarizing relevant findings, brainstorming new ideas, verifying the "
    "accuracy of the current steps, refining any errors, and revisiting previous steps. In the "
    "Solution section, based on various attempts, explorations, and reflections from the Thought "
    "section, systematically present the final solution that you deem correct. The Solution "
    "section should be logical, accurate, and concise and detail necessary steps needed to reach "
    "the conclusion.";

bool contains(std::string_view s, std::string_view what) {
  return s.find(what) != std::string_view::npos;
}
bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool ends_with(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// Python's str.lstrip("\n"), rstrip("\n"), strip("\n"), rstrip() and strip() (Jinja's trim).
std::string_view lstrip_newlines(std::string_view s) {
  while (!s.empty() && s.front() == '\n') s.remove_prefix(1);
  return s;
}
std::string_view rstrip_newlines(std::string_view s) {
  while (!s.empty() && s.back() == '\n') s.remove_suffix(1);
  return s;
}
std::string_view rstrip_space(std::string_view s) {
  while (!s.empty() && std::string_view(" \t\n\r\v\f").find(s.back()) != std::string_view::npos)
    s.remove_suffix(1);
  return s;
}
std::string_view strip_space(std::string_view s) {
  s = rstrip_space(s);
  while (!s.empty() && std::string_view(" \t\n\r\v\f").find(s.front()) != std::string_view::npos)
    s.remove_prefix(1);
  return s;
}
std::string replace_all(std::string s, std::string_view what) {
  for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p))
    s.erase(p, what.size());
  return s;
}

void chatml_turn(std::string& out, std::string_view role, std::string_view content) {
  out.append(kImStart).append(role).append("\n").append(content).append(kImEnd).append("\n");
}

// Today's date in a strftime format, or the override.
std::string date(const ChatOptions& options, const char* format) {
  if (!options.date_override.empty()) return options.date_override;
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof(buf), format, &local);
  return std::string(buf, n);
}

constexpr std::string_view kQwen3ToolsIntro =
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are "
    "provided with function signatures within <tools></tools> XML tags:\n<tools>";
constexpr std::string_view kQwen3ToolsOutro =
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
    "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
    "\"arguments\": <args-json-object>}\n</tool_call>";

Result<std::string> render_qwen3(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) {
  std::string out;
  const size_t n = messages.size();
  const bool system = n > 0 && messages[0].role == "system";
  if (!options.tools.empty()) {
    out.append(kImStart).append("system\n");
    if (system) out.append(messages[0].content).append("\n\n");
    out.append(kQwen3ToolsIntro);
    for (const ToolSpec& tool : options.tools) {
      ST_ASSIGN_OR_RETURN(const std::string json, qwen3_tool_json(tool));
      out.append("\n").append(json);
    }
    out.append(kQwen3ToolsOutro).append(kImEnd).append("\n");
  } else if (system) {
    chatml_turn(out, "system", messages[0].content);
  }
  // The last user message that is not a wrapped tool response.
  size_t last_query = n - 1;
  for (size_t i = n; i-- > 0;) {
    const std::string& c = messages[i].content;
    if (messages[i].role == "user" &&
        !(starts_with(c, "<tool_response>") && ends_with(c, "</tool_response>"))) {
      last_query = i;
      break;
    }
  }
  for (size_t i = 0; i < n; ++i) {
    const ChatMessage& m = messages[i];
    if (m.role == "user" || (m.role == "system" && i != 0)) {
      chatml_turn(out, m.role, m.content);
      continue;
    }
    if (m.role == "tool") {
      if (i == 0 || messages[i - 1].role != "tool") out.append(kImStart).append("user");
      out.append("\n<tool_response>\n").append(m.content).append("\n</tool_response>");
      if (i + 1 == n || messages[i + 1].role != "tool") out.append(kImEnd).append("\n");
      continue;
    }
    if (m.role != "assistant") continue;
    std::string_view content = m.content;
    std::string_view reasoning;
    if (contains(content, "</think>")) {
      std::string_view before = rstrip_newlines(content.substr(0, content.find("</think>")));
      const size_t open = before.rfind("<think>");
      if (open != std::string_view::npos) before = before.substr(open + 7);
      reasoning = lstrip_newlines(before);
      content = lstrip_newlines(content.substr(content.rfind("</think>") + 8));
    }
    out.append(kImStart).append("assistant\n");
    if (i > last_query && (i == n - 1 || !reasoning.empty())) {
      out.append("<think>\n")
          .append(lstrip_newlines(rstrip_newlines(reasoning)))
          .append("\n</think>\n\n")
          .append(lstrip_newlines(content));
    } else {
      out.append(content);
    }
    for (size_t c = 0; c < m.tool_calls.size(); ++c) {
      if (c > 0 || !content.empty()) out.append("\n");
      out.append(call_block(ChatFamily::kQwen3, {m.tool_calls[c]}));
    }
    out.append(kImEnd).append("\n");
  }
  if (options.add_generation_prompt) {
    out.append(kImStart).append("assistant\n");
    if (!options.enable_thinking) out.append("<think>\n\n</think>\n\n");
  }
  return out;
}

// Phi-4-mini's template writes a system message's `tools` string between <|tool|> and <|/tool|>.
// It has no field for an assistant's calls: they are written after the content as the model
// writes them, which is what the template renders for that message's generated text.
Result<std::string> render_phi4(const std::vector<ChatMessage>& messages,
                                const ChatOptions& options) {
  std::string tools;
  if (!options.tools.empty()) {
    ST_ASSIGN_OR_RETURN(tools, phi4_tools_json(options.tools));
  }
  std::string out;
  const bool system = !messages.empty() && messages[0].role == "system";
  if (!tools.empty() && !system)
    out.append("<|system|><|tool|>").append(tools).append("<|/tool|><|end|>");
  for (size_t i = 0; i < messages.size(); ++i) {
    const ChatMessage& m = messages[i];
    out.append("<|").append(m.role).append("|>").append(m.content);
    if (i == 0 && system && !tools.empty())
      out.append("<|tool|>").append(tools).append("<|/tool|>");
    if (!m.tool_calls.empty()) out.append(call_block(ChatFamily::kPhi4, m.tool_calls));
    out.append("<|end|>");
  }
  out.append(options.add_generation_prompt ? "<|assistant|>" : "<|endoftext|>");
  return out;
}

// ChatML, with a system turn holding `default_system` when the first message is not one.
std::string render_chatml(const std::vector<ChatMessage>& messages, const ChatOptions& options,
                          std::string_view default_system) {
  std::string out;
  if (!default_system.empty() && (messages.empty() || messages[0].role != "system"))
    chatml_turn(out, "system", default_system);
  for (const ChatMessage& m : messages) chatml_turn(out, m.role, m.content);
  if (options.add_generation_prompt) out.append(kImStart).append("assistant\n");
  return out;
}

std::string render_smollm3(const std::vector<ChatMessage>& messages, const ChatOptions& options) {
  bool think = options.enable_thinking;
  std::string system, custom;
  if (!messages.empty() && messages[0].role == "system") {
    system = messages[0].content;
    if (contains(system, "/no_think"))
      think = false;
    else if (contains(system, "/think"))
      think = true;
    custom = std::string(rstrip_space(replace_all(replace_all(system, "/no_think"), "/think")));
  }
  const std::string_view mode = think ? "/think" : "/no_think";
  std::string out;
  if (contains(system, "/system_override")) {
    chatml_turn(out, "system", rstrip_space(replace_all(custom, "/system_override")));
  } else {
    out.append(kImStart)
        .append("system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nToday Date: ")
        .append(date(options, "%d %B %Y"))
        .append("\nReasoning Mode: ")
        .append(mode)
        .append("\n\n## Custom Instructions\n\n")
        .append(!custom.empty() ? std::string_view(custom)
                                : (think ? kSmolLM3ThinkPersona : kSmolLM3Persona))
        .append("\n\n")
        .append(kImEnd)
        .append("\n");
  }
  for (const ChatMessage& m : messages) {
    if (m.role == "user") {
      chatml_turn(out, "user", m.content);
    } else if (m.role == "assistant") {
      out.append(kImStart).append("assistant\n");
      if (!think) out.append("<think>\n\n</think>\n");
      out.append(lstrip_newlines(m.content)).append(kImEnd).append("\n");
    }
  }
  if (options.add_generation_prompt) {
    out.append(kImStart).append("assistant\n");
    if (!think) out.append("<think>\n\n</think>\n");
  }
  return out;
}

void llama3_turn(std::string& out, std::string_view role, std::string_view content) {
  out.append("<|start_header_id|>")
      .append(role)
      .append("<|end_header_id|>\n\n")
      .append(content)
      .append("<|eot_id|>");
}

// Llama-3: every message trimmed in its own header block. Llama-3.1/3.2 first write a system block
// with the knowledge cutoff and the date, then the (trimmed) system message in it.
std::string render_llama3(const std::vector<ChatMessage>& messages, const ChatOptions& options,
                          bool dated_system) {
  std::string out = options.tokenizer_adds_bos ? "" : "<|begin_of_text|>";
  size_t first = 0;
  if (dated_system) {
    std::string system =
        "Cutting Knowledge Date: December 2023\nToday Date: " + date(options, "%d %b %Y") + "\n\n";
    if (!messages.empty() && messages[0].role == "system") {
      system.append(strip_space(messages[0].content));
      first = 1;
    }
    llama3_turn(out, "system", system);
  }
  for (size_t i = first; i < messages.size(); ++i)
    llama3_turn(out, messages[i].role, strip_space(messages[i].content));
  if (options.add_generation_prompt)
    out.append("<|start_header_id|>assistant<|end_header_id|>\n\n");
  return out;
}

std::string render_phi3(const std::vector<ChatMessage>& messages, const ChatOptions& options) {
  std::string out;
  for (const ChatMessage& m : messages)
    out.append("<|").append(m.role).append("|>\n").append(m.content).append("<|end|>\n");
  out.append(options.add_generation_prompt ? "<|assistant|>\n" : "<|endoftext|>");
  return out;
}

// Phi-3-mini's first template drops system messages and opens the assistant's turn after every
// user message, whatever add_generation_prompt says.
std::string render_phi3_legacy(const std::vector<ChatMessage>& messages,
                               const ChatOptions& options) {
  std::string out = options.tokenizer_adds_bos ? "" : "<s>";
  for (const ChatMessage& m : messages) {
    if (m.role == "user")
      out.append("<|user|>\n").append(m.content).append("<|end|>\n<|assistant|>\n");
    if (m.role == "assistant") out.append(m.content).append("<|end|>\n");
  }
  return out;
}

// Phi-4-mini writes <|role|>content<|end|> with no newlines; Phi-3's templates put a newline
// (a literal one or a Jinja "\n") after the role tags.
bool has_newline(std::string_view tmpl) {
  return contains(tmpl, "\n") || contains(tmpl, "\\n");
}

}  // namespace

const char* chat_family_name(ChatFamily family) {
  switch (family) {
    case ChatFamily::kQwen3:
      return "qwen3";
    case ChatFamily::kPhi4:
      return "phi4-mini";
    case ChatFamily::kSmolLM2:
      return "smollm2";
    case ChatFamily::kSmolLM3:
      return "smollm3";
    case ChatFamily::kChatML:
      return "chatml";
    case ChatFamily::kQwen25:
      return "qwen2.5";
    case ChatFamily::kLlama3:
      return "llama3";
    case ChatFamily::kLlama32:
      return "llama3.2";
    case ChatFamily::kPhi3:
      return "phi3";
    case ChatFamily::kPhi3Legacy:
      return "phi3-legacy";
  }
  return "unknown";
}

Result<ChatFamily> detect_chat_family(std::string_view architecture, std::string_view tmpl,
                                      const Tokenizer& tokenizer) {
  if (!tmpl.empty()) {
    const bool chatml = contains(tmpl, kImStart);
    if (chatml && (contains(tmpl, "Knowledge Cutoff Date") ||
                   contains(tmpl, "custom_instructions") || contains(tmpl, "/no_think")))
      return ChatFamily::kSmolLM3;
    if (chatml && contains(tmpl, "</think>")) return ChatFamily::kQwen3;
    if (chatml && contains(tmpl, kSmolLM2System)) return ChatFamily::kSmolLM2;
    if (chatml && contains(tmpl, kQwen25System)) return ChatFamily::kQwen25;
    // One ChatML turn per message and nothing else (no default system turn, no tools).
    if (chatml && !contains(tmpl, "system") && !contains(tmpl, "tool") && !contains(tmpl, "loop"))
      return ChatFamily::kChatML;
    if (contains(tmpl, "<|start_header_id|>") && contains(tmpl, "<|eot_id|>"))
      return contains(tmpl, "Cutting Knowledge Date") ? ChatFamily::kLlama32 : ChatFamily::kLlama3;
    if (!chatml && contains(tmpl, "<|assistant|>") && contains(tmpl, "<|end|>")) {
      if (!has_newline(tmpl)) return ChatFamily::kPhi4;
      return contains(tmpl, "<|system|>") ? ChatFamily::kPhi3 : ChatFamily::kPhi3Legacy;
    }
    return Error(ErrorCode::kUnsupported,
                 "unrecognized chat template (architecture '" + std::string(architecture) +
                     "'; supported: Qwen3, Qwen2.5, Phi-4-mini, Phi-3, Llama-3, SmolLM2, SmolLM3, "
                     "ChatML); choose a ChatFamily explicitly to render it anyway");
  }
  if (const ArchSpec* spec = find_arch_spec(architecture)) {
    const FamilySpec* family = spec->family_of_vocab(
        [&](const char* token) { return tokenizer.find_token(token).has_value(); });
    if (family) return family->chat;
  }
  if (tokenizer.find_token(kImStart) && tokenizer.find_token(kImEnd)) return ChatFamily::kChatML;
  return Error(ErrorCode::kUnsupported, "the GGUF has no chat template and architecture '" +
                                            std::string(architecture) + "' has no built-in one");
}

Result<ChatFamily> detect_chat_family(const gguf::GgufFile& file, const Tokenizer& tokenizer) {
  ST_ASSIGN_OR_RETURN(const std::string_view arch, file.get_string_or("general.architecture", ""));
  ST_ASSIGN_OR_RETURN(const std::string_view tmpl,
                      file.get_string_or("tokenizer.chat_template", ""));
  return detect_chat_family(arch, tmpl, tokenizer);
}

Result<std::string> render_chat(ChatFamily family, const std::vector<ChatMessage>& messages,
                                const ChatOptions& options) {
  const bool tools = tool_call_syntax(family) != nullptr;
  for (const ChatMessage& m : messages) {
    if (m.role != "system" && m.role != "user" && m.role != "assistant" &&
        !(tools && m.role == "tool"))
      return Error(ErrorCode::kInvalidArgument, "chat role '" + m.role +
                                                    "' is not supported (system, user, assistant" +
                                                    (tools ? ", tool)" : ")"));
    if (!m.tool_calls.empty() && (!tools || m.role != "assistant"))
      return Error(ErrorCode::kInvalidArgument, tools ? "only assistant messages have tool calls"
                                                      : std::string("the ") +
                                                            chat_family_name(family) +
                                                            " chat format has no tool calls");
  }
  if (!options.tools.empty()) {
    if (!tools)
      return Error(ErrorCode::kUnsupported, std::string("the ") + chat_family_name(family) +
                                                " chat format has no tool calls");
    ST_TRY(check_tools(options.tools));
  }
  switch (family) {
    case ChatFamily::kQwen3:
      return render_qwen3(messages, options);
    case ChatFamily::kPhi4:
      return render_phi4(messages, options);
    case ChatFamily::kSmolLM2:
      return render_chatml(messages, options, kSmolLM2System);
    case ChatFamily::kSmolLM3:
      return render_smollm3(messages, options);
    case ChatFamily::kChatML:
      return render_chatml(messages, options, {});
    case ChatFamily::kQwen25:
      return render_chatml(messages, options, kQwen25System);
    case ChatFamily::kLlama3:
      return render_llama3(messages, options, false);
    case ChatFamily::kLlama32:
      return render_llama3(messages, options, true);
    case ChatFamily::kPhi3:
      return render_phi3(messages, options);
    case ChatFamily::kPhi3Legacy:
      return render_phi3_legacy(messages, options);
  }
  return Error(ErrorCode::kInvalidArgument, "unknown chat family");
}

Result<std::vector<int32_t>> chat_stop_tokens(ChatFamily family, const Tokenizer& tokenizer) {
  std::string_view terminator = kImEnd;
  if (family == ChatFamily::kPhi4 || family == ChatFamily::kPhi3 ||
      family == ChatFamily::kPhi3Legacy)
    terminator = "<|end|>";
  if (family == ChatFamily::kLlama3 || family == ChatFamily::kLlama32) terminator = "<|eot_id|>";
  const std::optional<int32_t> id = tokenizer.find_token(terminator);
  if (!id)
    return Error(ErrorCode::kInvalidArgument, "the vocabulary has no " + std::string(terminator) +
                                                  " token for the " + chat_family_name(family) +
                                                  " chat format");
  std::vector<int32_t> stop = tokenizer.eog_ids();
  stop.push_back(*id);
  std::sort(stop.begin(), stop.end());
  stop.erase(std::unique(stop.begin(), stop.end()), stop.end());
  return stop;
}

}  // namespace shoptalk::engine
