#include "engine/tokenizer/vocab.h"

#include <algorithm>
#include <string>

#include "formats/try.h"

namespace shoptalk::engine {

namespace {

struct PreSettings {
  const char* name;
  PreTokenizer pre;
  bool nfc;
  bool ignore_merges;
  bool add_bos;
};

// The tokenizer.ggml.pre values shoptalk implements. add_bos is the default when the GGUF has
// no tokenizer.ggml.add_bos_token. NFC and ignore_merges follow the HF tokenizer.json files:
// Qwen2/Qwen3 normalize to NFC; Llama-3 (llama-bpe) and its smaug-bpe copy (SmolLM3) set
// ignore_merges.
constexpr PreSettings kPreSettings[] = {
    {"qwen2", PreTokenizer::kQwen2, true, false, false},
    {"llama3", PreTokenizer::kLlama3, false, true, true},
    {"llama-v3", PreTokenizer::kLlama3, false, true, true},
    {"llama-bpe", PreTokenizer::kLlama3, false, true, true},
    {"smaug-bpe", PreTokenizer::kLlama3, false, true, false},
    {"gpt-4o", PreTokenizer::kGpt4o, false, false, false},
    {"smollm", PreTokenizer::kSmolLM, false, false, false},
    {"starcoder", PreTokenizer::kSmolLM, false, false, false},
    {"gpt-2", PreTokenizer::kGpt2, false, false, false},
};

// Added tokens that Qwen's tokenizer.json flags "special": false although the converter types
// them CONTROL (their text looks like <|...|>). HF matches them in text even when special
// tokens are treated as text, and renders them as text; so they are USER_DEFINED here.
constexpr std::string_view kQwenNonSpecial[] = {"<|fim_prefix|>", "<|fim_middle|>",
                                                "<|fim_suffix|>", "<|fim_pad|>",
                                                "<|repo_name|>",  "<|file_sep|>"};

// Token texts that end generation (docs/tokenizer.md), and the FIM pad/repo/separator texts,
// whose tokens also end generation.
constexpr std::string_view kEogTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<|flush|>",
    "<|calls|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "[EOS]",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<eos>",
    "<turn|>",
    "<|tool_response>",
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
    "[e~[",
    "<|fim_pad|>",
    "<fim-pad>",
    "<fim_pad>",
    "<PAD>",
    "[PAD]",
    "<|fim_repo|>",
    "<|repo_name|>",
    "<fim-repo>",
    "<REPO>",
    "<reponame>",
    "<|file_sep|>",
};

uint16_t attr_from_type(int32_t type) {
  switch (type) {
    case 1:
      return kAttrNormal;
    case 2:
      return kAttrUnknown;
    case 3:
      return kAttrControl;
    case 4:
      return kAttrUserDefined;
    case 5:
      return kAttrUnused;
    case 6:
      return kAttrByte;
    default:
      return 0;
  }
}

// An optional special-token id key; ids outside the vocabulary are ignored (as llama.cpp does).
Status read_id(const gguf::GgufFile& file, std::string_view key, int32_t n_vocab, int32_t& id) {
  if (!file.find(key)) return {};
  ST_ASSIGN_OR_RETURN(const uint32_t value, file.get_uint(key));
  if (value < static_cast<uint32_t>(n_vocab)) id = static_cast<int32_t>(value);
  return {};
}

Status apply_pre(const gguf::GgufFile& file, Vocab& v) {
  ST_ASSIGN_OR_RETURN(const std::string_view pre, file.get_string_or("tokenizer.ggml.pre", ""));
  for (const PreSettings& s : kPreSettings) {
    if (pre != s.name) continue;
    v.pre = s.pre;
    v.nfc = s.nfc;
    v.ignore_merges = s.ignore_merges;
    v.add_bos = s.add_bos;
    return {};
  }
  std::string supported;
  for (const PreSettings& s : kPreSettings)
    supported += std::string(supported.empty() ? "" : ", ") + s.name;
  return Error(ErrorCode::kUnsupported, "unsupported BPE pre-tokenizer tokenizer.ggml.pre = '" +
                                            std::string(pre) + "' (supported: " + supported + ")");
}

// Phi-3's SentencePiece vocabulary, known by its chat tokens: whatever the file is named (a
// renamed or synthesized Phi-3 keeps them). Phi-4-mini has the same chat tokens in a BPE
// vocabulary, whose tokenizer strips nothing.
bool is_phi3_spm(const Vocab& v) {
  return v.model == VocabModel::kSpm && v.find("<|user|>") >= 0 && v.find("<|assistant|>") >= 0 &&
         v.find("<|end|>") >= 0;
}

void compute_eog(Vocab& v, int32_t eot, int32_t eom) {
  std::vector<int32_t>& eog = v.eog;
  // Text matches count for added tokens only: an ordinary BPE token that happens to read
  // "</s>" (Qwen's vocabulary has one) is text the model may write, not a turn end.
  for (std::string_view t : kEogTexts) {
    const int32_t id = v.find(t);
    if (id >= 0 && !(v.attrs[static_cast<size_t>(id)] & kAttrNormal)) eog.push_back(id);
  }
  for (int32_t id : {v.eos, eot, eom})
    if (id >= 0) eog.push_back(id);
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());
  auto has = [&](std::string_view t) {
    const int32_t id = v.find(t);
    return id >= 0 && std::binary_search(eog.begin(), eog.end(), id);
  };
  auto drop = [&](std::string_view t) {
    const int32_t id = v.find(t);
    eog.erase(std::remove(eog.begin(), eog.end(), id), eog.end());
  };
  if (has("<|end|>") &&
      ((has("<|return|>") && has("<|call|>")) || (has("<|calls|>") && has("<|flush|>"))))
    drop("<|end|>");
  if (has("<|tool_response>") && has("</s>")) drop("</s>");
}

// FNV-1a, folded: token texts are short, so a byte loop is as fast as anything wider.
uint64_t text_hash(std::string_view t) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : t) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ull;
  return h ^ (h >> 29);
}

}  // namespace

void Vocab::build_index() {
  size_t capacity = 16;
  while (capacity < 2 * static_cast<size_t>(size())) capacity *= 2;
  index.assign(capacity, -1);
  const size_t mask = capacity - 1;
  for (int32_t id = 0; id < size(); ++id) {
    const std::string_view t = text(id);
    for (size_t s = text_hash(t) & mask;; s = (s + 1) & mask) {
      if (index[s] < 0) {
        index[s] = id;
        break;
      }
      if (text(index[s]) == t) break;  // a repeated text keeps its first id
    }
  }
}

int32_t Vocab::find(std::string_view t) const {
  if (index.empty()) return -1;
  const size_t mask = index.size() - 1;
  for (size_t s = text_hash(t) & mask;; s = (s + 1) & mask) {
    const int32_t id = index[s];
    if (id < 0 || text(id) == t) return id;
  }
}

Result<Vocab> load_vocab(const gguf::GgufFile& file) {
  Vocab v;
  ST_ASSIGN_OR_RETURN(const std::string_view model, file.get_string("tokenizer.ggml.model"));
  if (model == "gpt2") {
    v.model = VocabModel::kBpe;
  } else if (model == "llama") {
    v.model = VocabModel::kSpm;
  } else {
    return Error(ErrorCode::kUnsupported, "unsupported tokenizer model tokenizer.ggml.model = '" +
                                              std::string(model) + "' (supported: gpt2, llama)");
  }

  ST_ASSIGN_OR_RETURN(const std::vector<std::string_view>* tokens,
                      file.get_string_array("tokenizer.ggml.tokens"));
  if (tokens->empty() || tokens->size() > static_cast<size_t>(INT32_MAX / 2))
    return Error(ErrorCode::kMalformedFile,
                 "tokenizer.ggml.tokens: bad token count " + std::to_string(tokens->size()));
  const auto n = static_cast<int32_t>(tokens->size());

  std::vector<int32_t> types(static_cast<size_t>(n), 1);
  if (file.find("tokenizer.ggml.token_type")) {
    ST_ASSIGN_OR_RETURN(types, file.get_i32_array("tokenizer.ggml.token_type"));
    if (types.size() != tokens->size())
      return Error(ErrorCode::kMalformedFile, "tokenizer.ggml.token_type has " +
                                                  std::to_string(types.size()) + " entries for " +
                                                  std::to_string(n) + " tokens");
  }
  if (v.model == VocabModel::kSpm) {
    v.scores.assign(static_cast<size_t>(n), 0.0f);
    if (file.find("tokenizer.ggml.scores")) {
      ST_ASSIGN_OR_RETURN(v.scores, file.get_f32_array("tokenizer.ggml.scores"));
      if (v.scores.size() != tokens->size())
        return Error(ErrorCode::kMalformedFile,
                     "tokenizer.ggml.scores has " + std::to_string(v.scores.size()) +
                         " entries for " + std::to_string(n) + " tokens");
    }
  }

  // Texts into one arena; an empty text becomes "[EMPTY_<id>]".
  std::vector<std::string> empty_names;
  size_t total = 0;
  for (std::string_view t : *tokens) total += t.empty() ? 24 : t.size();
  v.arena.reserve(total);
  v.offsets.reserve(static_cast<size_t>(n) + 1);
  v.attrs.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) {
    std::string_view t = (*tokens)[static_cast<size_t>(i)];
    std::string empty_name;
    if (t.empty()) {
      empty_name = "[EMPTY_" + std::to_string(i) + "]";
      t = empty_name;
    }
    v.offsets.push_back(static_cast<uint32_t>(v.arena.size()));
    v.arena.insert(v.arena.end(), t.begin(), t.end());
    v.attrs.push_back(attr_from_type(types[static_cast<size_t>(i)]));
  }
  v.offsets.push_back(static_cast<uint32_t>(v.arena.size()));
  v.build_index();

  if (v.model == VocabModel::kBpe) {
    ST_TRY(apply_pre(file, v));
    if (v.pre == PreTokenizer::kQwen2) {
      for (std::string_view t : kQwenNonSpecial) {
        const int32_t id = v.find(t);
        if (id >= 0 && (v.attrs[static_cast<size_t>(id)] & kAttrControl))
          v.attrs[static_cast<size_t>(id)] = kAttrUserDefined;
      }
    }
  } else {
    v.bos = n > 1 ? 1 : -1;
    v.eos = n > 2 ? 2 : -1;
    v.add_bos = true;
    ST_ASSIGN_OR_RETURN(v.add_space_prefix,
                        file.get_bool_or("tokenizer.ggml.add_space_prefix", true));
  }

  int32_t eot = -1, eom = -1;
  ST_TRY(read_id(file, "tokenizer.ggml.bos_token_id", n, v.bos));
  ST_TRY(read_id(file, "tokenizer.ggml.eos_token_id", n, v.eos));
  ST_TRY(read_id(file, "tokenizer.ggml.eot_token_id", n, eot));
  ST_TRY(read_id(file, "tokenizer.ggml.eom_token_id", n, eom));
  ST_ASSIGN_OR_RETURN(v.add_bos, file.get_bool_or("tokenizer.ggml.add_bos_token", v.add_bos));
  ST_ASSIGN_OR_RETURN(v.add_eos, file.get_bool_or("tokenizer.ggml.add_eos_token", v.add_eos));
  if (v.add_bos && v.bos < 0)
    return Error(ErrorCode::kMalformedFile,
                 "the vocabulary adds a BOS token but has no valid bos_token_id");
  if (v.add_eos && v.eos < 0)
    return Error(ErrorCode::kMalformedFile,
                 "the vocabulary adds an EOS token but has no valid eos_token_id");

  // Phi-3: special tokens eat the whitespace after them (as in HF's tokenizer.json).
  if (is_phi3_spm(v)) {
    for (int32_t i = 0; i < n; ++i) {
      const std::string_view t = v.text(i);
      uint16_t& a = v.attrs[static_cast<size_t>(i)];
      const bool special =
          (a & (kAttrControl | kAttrUserDefined | kAttrUnknown)) != 0 || t == "</s>";
      if (special && t != "<unk>" && t != "<s>" && t != "<|endoftext|>") a |= kAttrRstrip;
    }
  }

  compute_eog(v, eot, eom);
  return v;
}

}  // namespace shoptalk::engine
