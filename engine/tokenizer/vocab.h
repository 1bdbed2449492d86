// Vocabulary loaded from GGUF metadata (docs/tokenizer.md): token texts, attributes,
// scores, special ids, add_bos/add_eos, the pre-tokenizer settings and the end-of-generation set.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "engine/tokenizer/pretokenizer.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

// Runtime token attributes (bits), derived from GGUF tokenizer.ggml.token_type.
enum TokenAttr : uint16_t {
  kAttrUnknown = 1 << 0,      // type 2 (<unk>)
  kAttrUnused = 1 << 1,       // type 5 ([PAD...] fillers)
  kAttrNormal = 1 << 2,       // type 1
  kAttrControl = 1 << 3,      // type 3: matched in text only with parse_special
  kAttrUserDefined = 1 << 4,  // type 4: always matched in text, always rendered
  kAttrByte = 1 << 5,         // type 6 (<0xXX>)
  kAttrRstrip = 1 << 6,       // eats the whitespace that follows it when matched
};

enum class VocabModel { kBpe, kSpm };

struct Vocab {
  VocabModel model = VocabModel::kBpe;
  std::vector<char> arena;        // every token text, back to back
  std::vector<uint32_t> offsets;  // token i = arena[offsets[i], offsets[i + 1])
  std::vector<uint16_t> attrs;
  std::vector<float> scores;  // SPM only
  // Ids by text: an open-addressing table (-1 = empty slot) of a power-of-two size. One flat
  // array instead of a node per token keeps model load fast (vocabularies reach 200k tokens).
  std::vector<int32_t> index;

  // BPE settings chosen by tokenizer.ggml.pre.
  PreTokenizer pre = PreTokenizer::kGpt2;
  bool nfc = false;              // normalize raw text to NFC first (Qwen2/Qwen3)
  bool ignore_merges = false;    // a piece that is a whole token skips the merges (Llama-3 family)
  bool add_space_prefix = true;  // SPM only

  int32_t bos = -1, eos = -1;
  bool add_bos = false, add_eos = false;
  std::vector<int32_t> eog;  // sorted, unique

  int32_t size() const { return static_cast<int32_t>(attrs.size()); }
  std::string_view text(int32_t id) const {
    return {arena.data() + offsets[static_cast<size_t>(id)],
            offsets[static_cast<size_t>(id) + 1] - offsets[static_cast<size_t>(id)]};
  }
  // The id of a token text, -1 if none; the lowest id when texts repeat.
  int32_t find(std::string_view t) const;
  // Fills `index` from the texts.
  void build_index();
};

// Reads tokenizer.ggml.* from a GGUF. Errors for a missing or inconsistent vocabulary, an
// unsupported tokenizer model, or an unsupported pre-tokenizer.
Result<Vocab> load_vocab(const gguf::GgufFile& file);

}  // namespace shoptalk::engine
