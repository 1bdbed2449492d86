// Feeds arbitrary bytes to tokenize() and to streaming detokenization. The first byte picks one
// of the synthetic vocabularies (one per pre-tokenizer, plus SentencePiece), the second the
// flags. Must never crash, every id must be in range, every streamed chunk must be valid UTF-8,
// and the streamed text must equal the one-shot detokenization.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/tokenizer/byte_level.h"
#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"

namespace {

using shoptalk::engine::StreamDecoder;
using shoptalk::engine::Tokenizer;
namespace gguf = shoptalk::gguf;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

struct Synthetic {
  std::vector<uint8_t> image;  // the GGUF bytes the tokenizer was loaded from
  std::unique_ptr<Tokenizer> tokenizer;
};

std::string byte_text(const std::string& bytes) {
  std::string out;
  shoptalk::engine::byte_level::encode(bytes, out);
  return out;
}

Synthetic make(gguf::Writer& w) {
  Synthetic s;
  auto bytes = w.write_memory();
  check(bytes.ok());
  s.image = std::move(bytes).value();
  auto file = gguf::GgufFile::from_memory(s.image.data(), s.image.size());
  check(file.ok());
  auto tok = Tokenizer::from_gguf(*file);
  check(tok.ok());
  s.tokenizer = std::make_unique<Tokenizer>(std::move(tok).value());
  return s;
}

// Byte-level BPE: the 256 byte tokens, merges that build a few words left to right, and
// special tokens (CONTROL <|im_start|>, <|im_end|>; USER_DEFINED <think>).
Synthetic make_bpe(const char* pre) {
  std::vector<std::string> tokens, merges;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    tokens.push_back(byte_text(std::string(1, static_cast<char>(b))));
    types.push_back(1);
  }
  for (const std::string word : {" the", "the", "ing", "  ", "\n\n", "\xC3\xA9t\xC3\xA9",
                                 "\xE4\xB8\xAD\xE6\x96\x87", " 123", "'s"}) {
    std::string prefix(1, word[0]);
    for (size_t i = 1; i < word.size(); ++i) {
      merges.push_back(byte_text(prefix) + " " + byte_text(std::string(1, word[i])));
      prefix += word[i];
      tokens.push_back(byte_text(prefix));
      types.push_back(1);
    }
  }
  for (const auto& [text, type] :
       {std::pair<const char*, int32_t>{"<|im_start|>", 3}, {"<|im_end|>", 3}, {"<think>", 4}}) {
    tokens.push_back(text);
    types.push_back(type);
  }
  gguf::Writer w;
  w.set("tokenizer.ggml.model", gguf::MetaValue::string("gpt2"));
  w.set("tokenizer.ggml.pre", gguf::MetaValue::string(pre));
  w.set("tokenizer.ggml.bos_token_id",
        gguf::MetaValue::u32(static_cast<uint32_t>(tokens.size() - 3)));
  w.set("tokenizer.ggml.tokens", gguf::MetaValue::string_array(tokens));
  w.set("tokenizer.ggml.token_type", gguf::MetaValue::i32_array(types));
  w.set("tokenizer.ggml.merges", gguf::MetaValue::string_array(merges));
  return make(w);
}

// SentencePiece: <unk>, <s>, </s>, byte tokens and a few pieces.
Synthetic make_spm() {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  std::vector<float> scores = {0, 0, 0};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof(name), "<0x%02X>", b);
    tokens.push_back(name);
    types.push_back(6);
    scores.push_back(0);
  }
  const char* pieces[] = {
      "\xE2\x96\x81", "\xE2\x96\x81t", "\xE2\x96\x81th", "\xE2\x96\x81the", "t", "h", "e", "he",
      "th",           "\xC3\xA9"};
  float score = -1;
  for (const char* p : pieces) {
    tokens.push_back(p);
    types.push_back(1);
    scores.push_back(score -= 0.5f);
  }
  gguf::Writer w;
  w.set("tokenizer.ggml.model", gguf::MetaValue::string("llama"));
  w.set("tokenizer.ggml.tokens", gguf::MetaValue::string_array(tokens));
  w.set("tokenizer.ggml.token_type", gguf::MetaValue::i32_array(types));
  w.set("tokenizer.ggml.scores", gguf::MetaValue::f32_array(scores));
  return make(w);
}

const std::vector<Synthetic>& vocabularies() {
  static const std::vector<Synthetic>* all = [] {
    auto* v = new std::vector<Synthetic>;
    for (const char* pre : {"qwen2", "llama-bpe", "smaug-bpe", "gpt-2", "smollm", "gpt-4o"})
      v->push_back(make_bpe(pre));
    v->push_back(make_spm());
    return v;
  }();
  return *all;
}

// Streams `ids` and checks the chunks against the one-shot text.
void check_stream(const Tokenizer& tok, const std::vector<int32_t>& ids, bool special) {
  auto one_shot = tok.detokenize(ids, special);
  check(one_shot.ok());
  check(shoptalk::engine::unicode::is_valid_utf8(*one_shot));
  StreamDecoder dec(tok, special);
  std::string streamed;
  for (int32_t id : ids) {
    std::string chunk;
    check(dec.push(id, chunk).ok());
    check(shoptalk::engine::unicode::is_valid_utf8(chunk));
    streamed += chunk;
  }
  std::string tail;
  dec.flush(tail);
  check(shoptalk::engine::unicode::is_valid_utf8(tail));
  check(streamed + tail == *one_shot);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::vector<Synthetic>& vocabs = vocabularies();
  const Tokenizer& tok = *vocabs[data[0] % vocabs.size()].tokenizer;
  const uint8_t flags = data[1];
  const std::string_view text(reinterpret_cast<const char*>(data + 2), size - 2);

  const std::vector<int32_t> ids = tok.tokenize(text, flags & 1, flags & 2);
  for (int32_t id : ids) check(tok.is_valid(id));
  check_stream(tok, ids, flags & 4);

  // The same bytes read as token ids (pairs of bytes), as a model might sample them.
  std::vector<int32_t> sampled;
  for (size_t i = 2; i + 1 < size; i += 2)
    sampled.push_back(static_cast<int32_t>((data[i] | (data[i + 1] << 8)) % tok.n_vocab()));
  check_stream(tok, sampled, flags & 4);
  return 0;
}
