// The chat-template families shoptalk renders (engine/chat/chat_template.h). A leaf header: the
// architecture specs (engine/model/arch_spec.h) name the family each model family uses.
#pragma once

namespace shoptalk::engine {

enum class ChatFamily {
  kQwen3,    // ChatML with <think> handling (Qwen3)
  kPhi4,     // <|role|>content<|end|> (Phi-4-mini-instruct)
  kSmolLM2,  // ChatML with a default system prompt (SmolLM2-Instruct)
  kSmolLM3,  // ChatML with a metadata system header and /think, /no_think (SmolLM3)
  kChatML,   // plain <|im_start|>role\ncontent<|im_end|>\n
};

const char* chat_family_name(ChatFamily family);

}  // namespace shoptalk::engine
