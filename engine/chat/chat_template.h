// Chat templates of the supported model families, rendered in C++ (no Jinja engine). Each
// family reproduces its model's official template byte for byte for system, user and assistant
// messages; Qwen3 and Phi-4-mini also for tools, tool calls and tool results (engine/chat/tools.h).
//
// Detection (detect_chat_family) looks at tokenizer.chat_template first and recognizes the
// families by text the templates contain. A template that is present but not recognized is an
// error (never a silently wrong prompt); the caller may still choose a family explicitly, e.g.
// kChatML. Without a template, the architecture's spec decides: the chat family of its first model
// family whose marker tokens the vocabulary has (qwen3 -> Qwen3, smollm3 -> SmolLM3, phi3 with
// <|assistant|>/<|end|> tokens -> Phi-4-mini; engine/model/arch_spec.h); failing that, a
// vocabulary with <|im_start|>/<|im_end|> gets plain ChatML, llama.cpp's documented default;
// anything else is an error. See docs/tokenizer.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/chat/chat_family.h"
#include "engine/chat/tools.h"
#include "engine/tokenizer/tokenizer.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct ChatMessage {
  ChatMessage() = default;
  ChatMessage(std::string role_, std::string content_, std::vector<ToolCall> tool_calls_ = {})
      : role(std::move(role_)), content(std::move(content_)), tool_calls(std::move(tool_calls_)) {}

  std::string role;  // "system", "user", "assistant" or "tool" (formats with tool calls)
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages, formats with tool calls
};

struct ChatOptions {
  bool add_generation_prompt = true;
  bool enable_thinking = true;  // Qwen3, SmolLM3: false renders the empty think block
  // SmolLM3's and Llama-3.2's "Today Date", as the template would write it (SmolLM3: "21 November
  // 2026", Llama: "21 Nov 2026"); empty = today.
  std::string date_override;
  // Whether tokenizing the prompt adds the BOS token (the vocabulary's add_bos_token): a template's
  // own leading BOS (Llama-3, Phi-3's first template) is then left out, as llama.cpp does.
  bool tokenizer_adds_bos = true;
  // Shown to the model as its template does (Qwen3: a system turn listing them; Phi-4-mini: in
  // the first system message, one with empty content put first when there is none).
  std::vector<ToolSpec> tools;
};

// `chat_template` is empty when the GGUF has none.
Result<ChatFamily> detect_chat_family(std::string_view architecture, std::string_view chat_template,
                                      const Tokenizer& tokenizer);
// Reads general.architecture and tokenizer.chat_template from the file.
Result<ChatFamily> detect_chat_family(const gguf::GgufFile& file, const Tokenizer& tokenizer);

// The prompt text; tokenize it with add_special = true, parse_special = true. An unknown role is
// an error, and so are tools, tool calls and "tool" messages for a format without tool calls.
Result<std::string> render_chat(ChatFamily family, const std::vector<ChatMessage>& messages,
                                const ChatOptions& options);

// The ids that end the assistant's turn: the family's turn terminator (<|im_end|>; <|end|> for
// Phi-4-mini and Phi-3; <|eot_id|> for Llama-3) together with the vocabulary's end-of-generation
// set. Sorted. An error if the vocabulary lacks the terminator.
Result<std::vector<int32_t>> chat_stop_tokens(ChatFamily family, const Tokenizer& tokenizer);

}  // namespace shoptalk::engine
