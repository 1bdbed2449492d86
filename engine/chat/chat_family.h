// The chat-template families shoptalk renders (engine/chat/chat_template.h). A leaf header: the
// architecture specs (engine/model/arch_spec.h) name the family each model family uses.
#pragma once

namespace shoptalk::engine {

enum class ChatFamily {
  kQwen3,       // ChatML with <think> handling (Qwen3)
  kPhi4,        // <|role|>content<|end|> (Phi-4-mini-instruct)
  kSmolLM2,     // ChatML with a default system prompt (SmolLM2-Instruct)
  kSmolLM3,     // ChatML with a metadata system header and /think, /no_think (SmolLM3)
  kChatML,      // plain <|im_start|>role\ncontent<|im_end|>\n
  kQwen25,      // ChatML with Qwen's default system prompt (Qwen2 / Qwen2.5-Instruct)
  kLlama3,      // <|start_header_id|>role<|end_header_id|>\n\ncontent<|eot_id|> (Llama-3-Instruct)
  kLlama32,     // the same after a system header with the knowledge cutoff and today's date
                // (Llama-3.1 / 3.2-Instruct)
  kPhi3,        // <|role|>\ncontent<|end|>\n (Phi-3.5-mini, Phi-3-mini since mid 2024)
  kPhi3Legacy,  // Phi-3-mini's first template: no system turn, <|assistant|> after each user turn
};

const char* chat_family_name(ChatFamily family);

}  // namespace shoptalk::engine
