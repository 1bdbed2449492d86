// Chat templates: each family's official template rendered byte for byte, family
// detection, stop tokens and errors.
#include <catch2/catch.hpp>
#include <optional>
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

TEST_CASE("chat: Llama-3.2 renders the official template examples", "[chat]") {
  const auto f = ChatFamily::kLlama32;
  const std::string header =
      "<|start_header_id|>system<|end_header_id|>\n\nCutting Knowledge Date: December "
      "2023\nToday Date: 21 November 2026\n\n";
  const std::string user = "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>";
  const std::string prompt = "<|start_header_id|>assistant<|end_header_id|>\n\n";
  CHECK(render(f, {kSystem, kUser}) ==
        header + "You are a helpful assistant.<|eot_id|>" + user + prompt);
  CHECK(render(f, {kUser}) == header + "<|eot_id|>" + user + prompt);
  CHECK(render(f, {kUser}, false) == header + "<|eot_id|>" + user);
  // Every message is trimmed, the system message too.
  CHECK(
      render(
          f,
          {{"system", "  Be brief.\n"}, kUser, {"assistant", "\nHi! How can I help?  "}, kUser2}) ==
      header + "Be brief.<|eot_id|>" + user +
          "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>"
          "<|start_header_id|>user<|end_header_id|>\n\nWhat is 2+2?<|eot_id|>" +
          prompt);
  // Without an override the date is today's, as strftime's "%d %b %Y" writes it.
  auto today = render_chat(f, {kUser}, ChatOptions{});
  REQUIRE(today.ok());
  CHECK(today->find("Today Date: ") != std::string::npos);
  CHECK(today->find("\n\n<|eot_id|>") == today->find("Today Date: ") + 23);
}

TEST_CASE("chat: Llama-3, Phi-3 and Qwen2.5 render their templates", "[chat]") {
  CHECK(render(ChatFamily::kLlama3, {kSystem, kUser, kAssistant}, false) ==
        "<|start_header_id|>system<|end_header_id|>\n\nYou are a helpful assistant.<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHello!<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\nHi! How can I help?<|eot_id|>");
  CHECK(render(ChatFamily::kPhi3, {kSystem, kUser}) ==
        "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nHello!<|end|>\n"
        "<|assistant|>\n");
  CHECK(render(ChatFamily::kPhi3, {kUser, kAssistant, kUser2}) ==
        "<|user|>\nHello!<|end|>\n<|assistant|>\nHi! How can I help?<|end|>\n"
        "<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n");
  CHECK(render(ChatFamily::kPhi3, {kUser, kAssistant}, false) ==
        "<|user|>\nHello!<|end|>\n<|assistant|>\nHi! How can I help?<|end|>\n<|endoftext|>");
  CHECK(render(ChatFamily::kPhi3Legacy, {kSystem, kUser, kAssistant, kUser2}) ==
        "<|user|>\nHello!<|end|>\n<|assistant|>\nHi! How can I help?<|end|>\n"
        "<|user|>\nWhat is 2+2?<|end|>\n<|assistant|>\n");
  CHECK(render(ChatFamily::kQwen25, {kUser}) ==
        "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful "
        "assistant.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\n");
  CHECK(render(ChatFamily::kQwen25, {kSystem, kUser, kAssistant}, false) ==
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nHello!"
        "<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n");
}

TEST_CASE("chat: plain ChatML and bad roles", "[chat]") {
  CHECK(
      render(ChatFamily::kChatML, {kUser, kAssistant}, false) ==
      "<|im_start|>user\nHello!<|im_end|>\n<|im_start|>assistant\nHi! How can I help?<|im_end|>\n");
  auto bad = render_chat(ChatFamily::kQwen3, {{"robot", "{}"}}, ChatOptions{});
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
    // Llama-3's first template: no dated system block.
    auto family = detect_chat_family(*file, *l);
    REQUIRE(family.ok());
    CHECK(*family == ChatFamily::kLlama3);
    CHECK(*chat_stop_tokens(*family, *l) == std::vector<int32_t>{128001, 128009});
    CHECK(!chat_stop_tokens(ChatFamily::kChatML, *l).ok());  // no <|im_end|> in this vocabulary
    // This vocabulary does not add BOS: the template's own one is written, once.
    ChatOptions options;
    options.tokenizer_adds_bos = l->add_bos();
    auto text = render_chat(*family, {kUser}, options);
    REQUIRE(text.ok());
    const std::vector<int32_t> ids = l->tokenize(*text, true, true);
    CHECK(std::count(ids.begin(), ids.end(), 128000) == 1);
    CHECK(ids[0] == 128000);
  }
  if (const Tokenizer* s =
          load("reference/tokenizer/llama.cpp-suite/ggml-vocab-phi-3.gguf", file)) {
    // Phi-3-mini's first template (newlines after the role tags, no system turn).
    auto family = detect_chat_family(*file, *s);
    REQUIRE(family.ok());
    CHECK(*family == ChatFamily::kPhi3Legacy);
    CHECK(*chat_stop_tokens(*family, *s) == std::vector<int32_t>{2, 32000, 32007});
    // The whitespace after the special tokens is stripped (RSTRIP); BOS, which the tokenizer adds,
    // comes first.
    CHECK(s->tokenize(render(*family, {kSystem, kUser}), true, true) ==
          std::vector<int32_t>{1, 32010, 15043, 29991, 32007, 32001});
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
    // Without a template: the architecture's model family whose marker tokens the vocabulary has
    // (this one is Phi-3's SentencePiece vocabulary, with <s>).
    CHECK(*detect_chat_family("phi3", "", *s) == ChatFamily::kPhi3);
    CHECK(*detect_chat_family("qwen2", "", *s) == ChatFamily::kQwen25);
    CHECK(!detect_chat_family("llama", "", *s).ok());
  }
}

// The models-next reference prompts are these templates rendered (the Llama-3 one with its BOS,
// which our tokenization adds).
TEST_CASE("chat: the reference set's prompts are the rendered templates", "[chat]") {
  const ChatMessage user{"user", "Please explain in one short sentence what a tokenizer do"};
  CHECK("<|begin_of_text|>" + render(ChatFamily::kLlama3, {kSystem, user}) ==
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nYou are a helpful "
        "assistant.<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nPlease explain in one "
        "short sentence what a tokenizer do<|eot_id|><|start_header_id|>assistant<|end_header_id|>"
        "\n\n");
  CHECK(
      render(ChatFamily::kPhi3, {kSystem,
                                 {"user",
                                  "Please explain in one short sentence what a tokenizer does and "
                                  "wh"}}) ==
      "<|system|>\nYou are a helpful assistant.<|end|>\n<|user|>\nPlease explain in one short "
      "sentence what a tokenizer does and wh<|end|>\n<|assistant|>\n");
  CHECK(render(ChatFamily::kChatML,
               {kSystem,
                {"user",
                 "Please explain in one short sentence what a tokenizer does and "
                 "why model"}}) ==
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nPlease "
        "explain in one short sentence what a tokenizer does and why model<|im_end|>\n"
        "<|im_start|>assistant\n");
  std::optional<gguf::GgufFile> file;
  const std::pair<const char*, ChatFamily> files[] = {
      {"reference/models-next/llama3/llama3-Q4_0.gguf", ChatFamily::kLlama3},
      {"reference/models-next/phi3spm/phi3spm-Q4_0.gguf", ChatFamily::kPhi3},
      {"reference/models-next/qwen2/qwen2-Q4_0.gguf", ChatFamily::kChatML}};
  for (const auto& [relative, family] : files) {
    INFO(relative);
    const Tokenizer* tokenizer = load(relative, file);
    if (!tokenizer) continue;
    auto detected = detect_chat_family(*file, *tokenizer);
    REQUIRE(detected.ok());
    CHECK(*detected == family);
  }
}

}  // namespace
}  // namespace shoptalk::engine
