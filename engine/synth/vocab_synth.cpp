#include "engine/synth/vocab_synth.h"

#include <algorithm>

#include "engine/tokenizer/byte_level.h"

namespace shoptalk::synth {

namespace {

struct Special {
  int32_t offset;  // id within its block (the head block starts at id 0)
  const char* text;
  TokenType type;
};

// What the ids of the tail block that name no special token hold.
enum class TailFill {
  kPad,       // "[PAD<id>]", UNUSED: ids the HF vocabulary lacks (embedding rows padded)
  kReserved,  // "<|reserved_special_token_<n>|>", CONTROL (Llama-3 family)
};

struct FamilyVocab {
  const char* architecture;
  const char* pre;
  std::vector<Special> head;  // special tokens before the byte tokens (SmolLM2)
  std::vector<Special> tail;  // special tokens of the block that ends the vocabulary
  int32_t tail_size;          // that block's size in the real vocabulary
  TailFill fill;
  const char* bos;
  const char* eos;
  const char* pad;
  const char* unk;  // nullptr: none
};

constexpr TokenType C = kTokenControl;
constexpr TokenType U = kTokenUserDefined;

const std::vector<FamilyVocab>& families() {
  static const std::vector<FamilyVocab> kFamilies = {
      // Qwen3: ids 151643..151668, then [PAD151669]..[PAD151935].
      {"qwen3",
       "qwen2",
       {},
       {{0, "<|endoftext|>", C},      {1, "<|im_start|>", C},
        {2, "<|im_end|>", C},         {3, "<|object_ref_start|>", C},
        {4, "<|object_ref_end|>", C}, {5, "<|box_start|>", C},
        {6, "<|box_end|>", C},        {7, "<|quad_start|>", C},
        {8, "<|quad_end|>", C},       {9, "<|vision_start|>", C},
        {10, "<|vision_end|>", C},    {11, "<|vision_pad|>", C},
        {12, "<|image_pad|>", C},     {13, "<|video_pad|>", C},
        {14, "<tool_call>", U},       {15, "</tool_call>", U},
        {16, "<|fim_prefix|>", C},    {17, "<|fim_middle|>", C},
        {18, "<|fim_suffix|>", C},    {19, "<|fim_pad|>", C},
        {20, "<|repo_name|>", C},     {21, "<|file_sep|>", C},
        {22, "<tool_response>", U},   {23, "</tool_response>", U},
        {24, "<think>", U},           {25, "</think>", U}},
       151936 - 151643,
       TailFill::kPad,
       "<|endoftext|>",
       "<|im_end|>",
       "<|endoftext|>",
       nullptr},
      // Phi-4-mini (o200k): 199999 <|endoftext|>, 200018 <|endofprompt|>, 200019.. chat tokens.
      {"phi3",
       "gpt-4o",
       {},
       {{0, "<|endoftext|>", C},
        {19, "<|endofprompt|>", C},
        {20, "<|assistant|>", C},
        {21, "<|end|>", C},
        {22, "<|user|>", C},
        {23, "<|system|>", C},
        {24, "<|tool|>", C},
        {25, "<|/tool|>", C},
        {26, "<|tool_call|>", C},
        {27, "<|/tool_call|>", C},
        {28, "<|tool_response|>", C},
        {29, "<|tag|>", C}},
       200064 - 199999,
       TailFill::kPad,
       "<|endoftext|>",
       "<|endoftext|>",
       "<|endoftext|>",
       nullptr},
      // SmolLM2: ids 0..16 special, then the byte tokens.
      {"llama",
       "smollm",
       {{0, "<|endoftext|>", C},
        {1, "<|im_start|>", C},
        {2, "<|im_end|>", C},
        {3, "<repo_name>", C},
        {4, "<reponame>", C},
        {5, "<file_sep>", C},
        {6, "<filename>", C},
        {7, "<gh_stars>", C},
        {8, "<issue_start>", C},
        {9, "<issue_comment>", C},
        {10, "<issue_closed>", C},
        {11, "<jupyter_start>", C},
        {12, "<jupyter_text>", C},
        {13, "<jupyter_code>", C},
        {14, "<jupyter_output>", C},
        {15, "<jupyter_script>", C},
        {16, "<empty_output>", C}},
       {},
       0,
       TailFill::kPad,
       "<|im_start|>",
       "<|im_end|>",
       "<|im_end|>",
       "<|endoftext|>"},
      // SmolLM3 (Llama-3 tokenizer): 128000.. the 256 Llama-3 special tokens.
      {"smollm3",
       "llama-bpe",
       {},
       {{0, "<|begin_of_text|>", C},
        {1, "<|end_of_text|>", C},
        {4, "<|finetune_right_pad_id|>", C},
        {6, "<|start_header_id|>", C},
        {7, "<|end_header_id|>", C},
        {8, "<|eom_id|>", C},
        {9, "<|eot_id|>", C},
        {10, "<|python_tag|>", C},
        {11, "<|im_start|>", C},
        {12, "<|im_end|>", C}},
       128256 - 128000,
       TailFill::kReserved,
       "<|begin_of_text|>",
       "<|im_end|>",
       "<|im_end|>",
       nullptr},
  };
  return kFamilies;
}

// The bytes in GPT-2's vocabulary order: the printable ones (which stand for themselves), then
// the others in increasing order.
std::vector<uint8_t> gpt2_byte_order() {
  std::vector<uint8_t> order;
  auto printable = [](int b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
  };
  for (int b = 0; b < 256; ++b)
    if (printable(b)) order.push_back(static_cast<uint8_t>(b));
  for (int b = 0; b < 256; ++b)
    if (!printable(b)) order.push_back(static_cast<uint8_t>(b));
  return order;
}

// Filler word k: lower-case words of two or more letters in length-then-lexical order, every
// other one with a leading space ("Ġ"). Distinct from each other and from every other token.
std::string filler(int64_t k) {
  int64_t w = k / 2;
  int length = 2;
  int64_t words_of_length = 26 * 26;
  while (w >= words_of_length) {
    w -= words_of_length;
    ++length;
    words_of_length *= 26;
  }
  std::string word(static_cast<size_t>(length), 'a');
  for (int i = length - 1; i >= 0; --i, w /= 26) word[static_cast<size_t>(i)] = char('a' + w % 26);
  return (k % 2 == 1 ? "\xC4\xA0" : "") + word;
}

int32_t find_id(const std::vector<std::string>& tokens, const char* text) {
  if (!text) return -1;
  const auto it = std::find(tokens.begin(), tokens.end(), text);
  return it == tokens.end() ? -1 : static_cast<int32_t>(it - tokens.begin());
}

}  // namespace

Result<SynthVocab> synthesize_vocab(const std::string& architecture, int64_t n_vocab) {
  const FamilyVocab* family = nullptr;
  for (const FamilyVocab& f : families())
    if (architecture == f.architecture) family = &f;
  if (!family)
    return Error(ErrorCode::kInvalidArgument, "synth: no vocabulary for '" + architecture + "'");

  const int64_t head = static_cast<int64_t>(family->head.size());
  const int64_t min_tail = family->tail.empty() ? 0 : family->tail.back().offset + 1;
  if (n_vocab < head + 256 + min_tail)
    return Error(ErrorCode::kInvalidArgument,
                 "synth: n_vocab " + std::to_string(n_vocab) + " is too small for " + architecture +
                     "'s vocabulary (at least " + std::to_string(head + 256 + min_tail) + ")");
  // The real tail block when it fits, else only up to the last special token.
  const int64_t tail = n_vocab >= head + 256 + family->tail_size ? family->tail_size : min_tail;
  const int64_t tail_start = n_vocab - tail;

  SynthVocab v;
  v.pre = family->pre;
  v.tokens.reserve(static_cast<size_t>(n_vocab));
  v.types.reserve(static_cast<size_t>(n_vocab));
  for (const Special& s : family->head) {
    v.tokens.push_back(s.text);
    v.types.push_back(s.type);
  }
  for (uint8_t b : gpt2_byte_order()) {
    std::string text;
    engine::byte_level::encode(std::string(1, static_cast<char>(b)), text);
    v.tokens.push_back(std::move(text));
    v.types.push_back(kTokenNormal);
  }
  const int64_t first_filler = static_cast<int64_t>(v.tokens.size());
  for (int64_t k = 0; first_filler + k < tail_start; ++k) {
    v.tokens.push_back(filler(k));
    v.types.push_back(kTokenNormal);
    // Un-spaced two-letter fillers are merges of two byte tokens.
    if (k % 2 == 0 && k / 2 < 26 * 26) {
      const std::string& t = v.tokens.back();
      v.merges.push_back(t.substr(0, 1) + " " + t.substr(1));
    }
  }
  for (int64_t offset = 0; offset < tail; ++offset) {
    const auto named = std::find_if(family->tail.begin(), family->tail.end(),
                                    [offset](const Special& s) { return s.offset == offset; });
    if (named != family->tail.end()) {
      v.tokens.push_back(named->text);
      v.types.push_back(named->type);
    } else if (family->fill == TailFill::kPad) {
      v.tokens.push_back("[PAD" + std::to_string(tail_start + offset) + "]");
      v.types.push_back(kTokenUnused);
    } else {
      v.tokens.push_back("<|reserved_special_token_" + std::to_string(offset) + "|>");
      v.types.push_back(kTokenControl);
    }
  }
  v.bos = find_id(v.tokens, family->bos);
  v.eos = find_id(v.tokens, family->eos);
  v.pad = find_id(v.tokens, family->pad);
  v.unk = find_id(v.tokens, family->unk);
  return v;
}

}  // namespace shoptalk::synth
