// Pre-tokenizers of the byte-level BPE vocabularies: hand-written splitters on code points, one
// per regex set of the Hugging Face tokenizer.json files (no regex engine). They implement the
// regex semantics (leftmost alternative first, greedy with backtracking), so a piece boundary
// is exactly where the HF regex split puts it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace shoptalk::engine {

enum class PreTokenizer {
  // (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
  // \s*[\r\n]+|\s+(?!\S)|\s+                                      (Qwen2/Qwen3)
  kQwen2,
  // The same with \p{N}{1,3} instead of \p{N}                     (Llama-3, SmolLM3)
  kLlama3,
  // 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+   (GPT-2)
  kGpt2,
  // \p{N} isolated first, then the GPT-2 regex on every piece      (StarCoder, SmolLM2)
  kSmolLM,
  // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|...)?|
  // [^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|...)?|
  // \p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+  (GPT-4o o200k, Phi-4-mini)
  kGpt4o,
};

// Splits `cps` into pieces and appends the end index (exclusive) of every piece to `ends`, in
// order; the pieces cover `cps` completely. `flags` is scratch space.
void pretokenize(PreTokenizer type, const std::vector<uint32_t>& cps, std::vector<uint16_t>& flags,
                 std::vector<size_t>& ends);

}  // namespace shoptalk::engine
