// Chat templates: each family's official template rendered byte for byte, family
// detection, stop tokens and errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engine/chat/chat_template.h"
#include "test_support.h"

namespace shoptalk::engine {
namespace {

const ChatMessage kSystem{"system", "You are a helpful assistant."};
const ChatMessage kUser{"user", "Hello!"};
const ChatMessage kAssistant{"assistant", "Hi! How can I help?"};
const ChatMessage kUser2{"user", "What is 2+2?"};

std::string render(ChatFamily family, const std::vector<ChatMessage>& messages,
                   bool generation_prompt = true, bool thinking = true) {
  ChatOptions options;
  options.add_generation_prompt = generation_prompt;
  options.enable_thinking = thinking;
  options.date_override = "21 November 2026";
  auto text = render_chat(family, messages, options);
  REQUIRE(text.ok());
  return *text;
}

TEST_CASE("chat: Qwen3 renders the official template examples", "[chat]") {
  const auto f = ChatFamily::kQwen3;
  CHECK(render(f, {kSystem, kUser}) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(render(f, {kSystem, kUser}, true, false) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\n");
  CHECK(render(f, {kSystem, kUser, kAssistant}, false) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\n<think>\n\n</think>\n\nHi! How can I help?<|im_end|>\n");
  const std::string multi_turn =
      "<|im_start|>system\nYou are a helpful "
      "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
      "<|im_start|>assistant\nHi! How can I help?<|im_end|>\n<|im_start|>user\nWhat is "
      "2+2?<|im_end|>\n"
      "<|im_start|>assistant\n";
  CHECK(render(f, {kSystem, kUser, kAssistant, kUser2}) == multi_turn);
  const ChatMessage with_reasoning{"assistant",
                                   "<think>\nreasoning here\n</think>\n\nHi! How can I help?"};
  CHECK(render(f, {kSystem, kUser, with_reasoning, kUser2}) == multi_turn);
  CHECK(render(f, {kUser}) == "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
  // The reasoning of the final assistant turn is kept.
  CHECK(render(f, {kUser, with_reasoning}, false) ==
        "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>\nreasoning here\n"
        "</think>\n\nHi! How can I help?<|im_end|>\n");
}

TEST_CASE("chat: Phi-4-mini renders the official template examples", "[chat]") {
  const auto f = ChatFamily::kPhi4;
  CHECK(render(f, {kSystem, kUser}) ==
        "<|system|>You are a helpful assistant.<|end|><|user|>Hello!<|end|><|assistant|>");
  CHECK(render(f, {kSystem, kUser, kAssistant}, false) ==
        "<|system|>You are a helpful assistant.<|end|><|user|>Hello!<|end|><|assistant|>Hi! How "
        "can I "
        "help?<|end|><|endoftext|>");
  CHECK(render(f, {kSystem, kUser, kAssistant, kUser2}) ==
        "<|system|>You are a helpful assistant.<|end|><|user|>Hello!<|end|><|assistant|>Hi! How "
        "can I "
        "help?<|end|><|user|>What is 2+2?<|end|><|assistant|>");
  CHECK(render(f, {kUser}) == "<|user|>Hello!<|end|><|assistant|>");
}

TEST_CASE("chat: SmolLM2 renders the official template examples", "[chat]") {
  const auto f = ChatFamily::kSmolLM2;
  CHECK(render(f, {kSystem, kUser}) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(render(f, {kSystem, kUser, kAssistant}, false) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\nHi! How can I help?<|im_end|>\n");
  CHECK(render(f, {kSystem, kUser, kAssistant, kUser2}) ==
        "<|im_start|>system\nYou are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\nHi! How can I help?<|im_end|>\n<|im_start|>user\nWhat is "
        "2+2?<|im_end|>\n"
        "<|im_start|>assistant\n");
  CHECK(render(f, {kUser}) ==
        "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
}

TEST_CASE("chat: SmolLM3 renders the official template examples", "[chat]") {
  const auto f = ChatFamily::kSmolLM3;
  const std::string header =
      "<|im_start|>system\n## Metadata\n\nKnowledge Cutoff Date: June 2025\nToday Date: 21 "
      "November "
      "2026\nReasoning Mode: ";
  const std::string custom =
      "\n\n## Custom Instructions\n\nYou are a helpful assistant.\n\n<|im_end|>\n";
  CHECK(render(f, {kSystem, kUser}) ==
        header + "/think" + custom + "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
  CHECK(render(f, {kSystem, kUser}, true, false) ==
        header + "/no_think" + custom +
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n");
  CHECK(render(f, {kSystem, kUser, kAssistant}, false) ==
        header + "/think" + custom +
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi! How can I "
            "help?<|im_end|>\n");
  CHECK(render(f, {kSystem, kUser, kAssistant, kUser2}) ==
        header + "/think" + custom +
            "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi! How can I "
            "help?<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n<|im_start|>assistant\n");
  CHECK(
      render(f, {kUser}) ==
      header +
          "/think\n\n## Custom Instructions\n\nYou are a helpful AI assistant named SmolLM, "
          "trained by "
          "Hugging Face. Your role as an assistant involves thoroughly exploring questions through "
          "a "
          "systematic thinking process before providing the final precise and accurate solutions. "
          "This requires engaging in a comprehensive cycle of analysis, summarizing, exploration, "
          "reassessment, reflection, backtracking, and iteration to develop well-considered "
          "thinking "
          "process. Please structure your response into two main sections: Thought and Solution "
          "using the specified format: <think> Thought section </think> Solution section. In the "
          "Thought section, detail your reasoning process in steps. Each step should include "
          "detailed considerations such as analysing questions, summarizing relevant findings, "
          "brainstorming new ideas, verifying the accuracy of the current steps, refining any "
          "errors, and revisiting previous steps. In the Solution section, based on various "
          "attempts, explorations, and reflections from the Thought section, systematically "
          "present "
          "the final solution that you deem correct. The Solution section should be logical, "
          "accurate, and concise and detail necessary steps needed to reach the conclusion.\n\n"
          "<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
  // /no_think without a system prompt: the short persona; a /no_think system prompt overrides.
  CHECK(render(f, {kUser}, true, false) ==
        header +
            "/no_think\n\n## Custom Instructions\n\nYou are a helpful AI assistant named SmolLM, "
            "trained by Hugging Face.\n\n<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
            "<|im_start|>assistant\n<think>\n\n</think>\n");
  CHECK(
      render(f, {{"system", "Be brief. /no_think"}, kUser, kAssistant}, false) ==
      header +
          "/no_think\n\n## Custom Instructions\n\nBe brief.\n\n<|im_end|>\n<|im_start|>user\nHello!"
          "<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\nHi! How can I "
          "help?<|im_end|>\n");
  CHECK(render(f, {{"system", "Raw system. /system_override"}, kUser}) ==
        "<|im_start|>system\nRaw system.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
        "<|im_start|>assistant\n");
  // Without an override, the date line carries today's date.
  auto today = render_chat(f, {kUser}, ChatOptions{});
  REQUIRE(today.ok());
  CHECK(today->find("Today Date: ") != std::string::npos);
}

TEST_CASE("chat: plain ChatML and bad roles", "[chat]") {
  CHECK(
      render(ChatFamily::kChatML, {kUser, kAssistant}, false) ==
      "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n");
  auto bad = render_chat(ChatFamily::kQwen3, {{"tool", "{}"}}, ChatOptions{});
  REQUIRE(!bad.ok());
  CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
}

const Tokenizer* load(const std::string& relative, std::optional<gguf::GgufFile>& file) {
  const std::optional<std::string> path = test::find_reference(relative);
  if (!path) {
    WARN("skipped: " << relative << " is not available (needs ../shared)");
    return nullptr;
  }
  auto opened = gguf::GgufFile::open(*path);
  REQUIRE(opened.ok());
  file.emplace(std::move(opened).value());
  static std::vector<std::unique_ptr<Tokenizer>> keep;
  auto tok = Tokenizer::from_gguf(*file);
  REQUIRE(tok.ok());
  keep.push_back(std::make_unique<Tokenizer>(std::move(tok).value()));
  return keep.back().get();
}

TEST_CASE("chat: families are detected from the GGUF", "[chat]") {
  std::optional<gguf::GgufFile> file;
  if (const Tokenizer* q = load("reference/tokenizer/qwen3.gguf", file)) {
    auto family = detect_chat_family(*file, *q);
    REQUIRE(family.ok());
    CHECK(*family == ChatFamily::kQwen3);
    CHECK(*chat_stop_tokens(*family, *q) ==
          std::vector<int32_t>{151643, 151645, 151662, 151663, 151664});
    // The rendered prompt tokenizes with the control tokens as single ids.
    const std::vector<int32_t> ids = q->tokenize(render(*family, {kSystem, kUser}), true, true);
    CHECK(ids.front() == 151644);
    CHECK(std::count(ids.begin(), ids.end(), 151645) == 2);
  }
  if (const Tokenizer* p = load("reference/tokenizer/phi4mini-o200k.gguf", file)) {
    // No template in this file: architecture phi3 with Phi-4-mini's tokens.
    auto family = detect_chat_family(*file, *p);
    REQUIRE(family.ok());
    CHECK(*family == ChatFamily::kPhi4);
    CHECK(*chat_stop_tokens(*family, *p) == std::vector<int32_t>{199999, 200020});
    const std::vector<int32_t> ids = p->tokenize(render(*family, {kUser}), true, true);
    CHECK(ids.front() == 200021);
    CHECK(ids.back() == 200019);
  }
  if (const Tokenizer* l = load("reference/tokenizer/llama3-smaug-bpe.gguf", file)) {
    // Llama-3's own template is not one of the supported families.
    auto family = detect_chat_family(*file, *l);
    REQUIRE(!family.ok());
    CHECK(family.error().code() == ErrorCode::kUnsupported);
    CHECK(!chat_stop_tokens(ChatFamily::kChatML, *l).ok());  // no <|im_end|> in this vocabulary
  }
  if (const Tokenizer* s =
          load("reference/tokenizer/llama.cpp-suite/ggml-vocab-phi-3.gguf", file)) {
    // Phi-3's template has newlines after the role tags: not Phi-4-mini.
    CHECK(!detect_chat_family(*file, *s).ok());
    // By template text alone.
    const std::string smollm2 =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ "
        "'<|im_start|>system\\nYou are a helpful AI assistant named SmolLM, trained by Hugging "
        "Face<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + "
        "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";
    CHECK(*detect_chat_family("llama", smollm2, *s) == ChatFamily::kSmolLM2);
    CHECK(*detect_chat_family(
              "smollm3",
              "{{- '<|im_start|>system\\n' -}}{{- 'Knowledge Cutoff Date: June 2025\\n' -}}",
              *s) == ChatFamily::kSmolLM3);
    const std::string phi4 =
        "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] + "
        "'<|end|>' }}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>' }}{% else %}{{ "
        "eos_token }}{% endif %}";
    CHECK(*detect_chat_family("phi3", phi4, *s) == ChatFamily::kPhi4);
    CHECK(*detect_chat_family("smollm3", "", *s) == ChatFamily::kSmolLM3);
    CHECK(*detect_chat_family("qwen3", "", *s) == ChatFamily::kQwen3);
    CHECK(!detect_chat_family("gemma3", "", *s).ok());
  }
}

}  // namespace
}  // namespace shoptalk::engine
