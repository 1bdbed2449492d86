// Tokenizer tests: the HF token ids of every JSONL file under reference/tokenizer (100 % must
// match), lossless round trips, streaming == one-shot detokenization, special-token parsing,
// end-of-generation sets, bad ids and load errors.
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <shoptalk/synth.hpp>
#include <string>
#include <vector>

#include "engine/tokenizer/tokenizer.h"
#include "engine/tokenizer/unicode.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "json.h"
#include "test_support.h"

namespace shoptalk::engine {
namespace {

struct Record {
  std::string text;
  std::vector<int32_t> ids;
  bool add_special = false;
  bool parse_special = false;
};

std::vector<Record> read_jsonl(const std::string& path) {
  std::vector<Record> out;
  std::ifstream in(path, std::ios::binary);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto parsed = json::parse(line);
    INFO(path << ": " << (parsed ? "" : parsed.error().message()));
    REQUIRE(parsed);
    const json::Json& v = *parsed;
    Record r;
    r.text = v.at("text").get<std::string>();
    r.ids = v.at("ids").get<std::vector<int32_t>>();
    r.add_special = v.at("add_special").get<bool>();
    r.parse_special = v.at("parse_special").get<bool>();
    out.push_back(std::move(r));
  }
  return out;
}

// The vocabulary a JSONL file is checked against (relative to the shared folder).
std::string vocab_for(const std::string& jsonl) {
  const std::string dir = "reference/tokenizer/";
  const std::string name = jsonl.substr(jsonl.rfind('/') + 1);
  if (name == "ggml-vocab-qwen2.jsonl") return dir + "qwen3.gguf";
  if (name == "ggml-vocab-llama-bpe.jsonl") return dir + "llama3-smaug-bpe.gguf";
  if (jsonl.find("llama.cpp-suite/") != std::string::npos)
    return dir + "llama.cpp-suite/" + name.substr(0, name.size() - 6) + ".gguf";
  return dir + name.substr(0, name.find('.')) + ".gguf";
}

// Loaded tokenizers, shared by the test cases (loading a 200k vocabulary takes a moment).
const Tokenizer* load(const std::string& relative) {
  static std::map<std::string, std::unique_ptr<Tokenizer>> cache;
  auto it = cache.find(relative);
  if (it != cache.end()) return it->second.get();
  const std::optional<std::string> path = test::find_reference(relative);
  if (!path) {
    WARN("skipped: " << relative << " is not available (needs ../shared)");
    cache[relative] = nullptr;
    return nullptr;
  }
  auto file = gguf::GgufFile::open(*path);
  REQUIRE(file.ok());
  auto tok = Tokenizer::from_gguf(*file);
  if (!tok) FAIL(relative << ": " << tok.error().message());
  cache[relative] = std::make_unique<Tokenizer>(std::move(tok).value());
  return cache[relative].get();
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += std::to_string(id) + " ";
  return s;
}

std::string nfc(const std::string& s) {
  std::vector<uint32_t> cps;
  unicode::utf8_to_codepoints(s, cps);
  unicode::normalize_nfc(cps);
  std::string out;
  for (uint32_t cp : cps) unicode::append_utf8(cp, out);
  return out;
}

// Feeds ids to a StreamDecoder and checks every chunk is valid UTF-8; returns the whole text.
std::string stream(const Tokenizer& tok, const std::vector<int32_t>& ids, bool special) {
  StreamDecoder dec(tok, special);
  std::string all;
  for (int32_t id : ids) {
    std::string chunk;
    REQUIRE(dec.push(id, chunk));
    REQUIRE(unicode::is_valid_utf8(chunk));
    all += chunk;
  }
  std::string tail;
  dec.flush(tail);
  REQUIRE(unicode::is_valid_utf8(tail));
  return all + tail;
}

TEST_CASE("tokenizer: every reference JSONL file matches the HF ids", "[tokenizer]") {
  const std::vector<std::string> files = test::list_reference("reference/tokenizer", ".jsonl");
  REQUIRE(!files.empty());
  for (const std::string& file : files) {
    const Tokenizer* tok = load(vocab_for(file));
    if (!tok) continue;
    const std::vector<Record> records = read_jsonl(*test::find_reference(file));
    size_t passed = 0;
    std::string failures;
    for (size_t i = 0; i < records.size(); ++i) {
      const Record& r = records[i];
      const std::vector<int32_t> got = tok->tokenize(r.text, r.add_special, r.parse_special);
      if (got == r.ids) {
        ++passed;
      } else if (failures.size() < 4000) {
        failures += "  line " + std::to_string(i + 1) + ": expected " + show(r.ids) + "\n    got " +
                    show(got) + "\n";
      }
    }
    std::printf("%-70s %zu passed / %zu failed\n", file.c_str(), passed, records.size() - passed);
    INFO(file << "\n" << failures);
    CHECK(passed == records.size());
  }
}

TEST_CASE("tokenizer: detokenize(tokenize(text)) == text, and streaming equals one-shot",
          "[tokenizer]") {
  for (const std::string& file : test::list_reference("reference/tokenizer", ".jsonl")) {
    const std::string vocab = vocab_for(file);
    const Tokenizer* tok = load(vocab);
    if (!tok) continue;
    const bool normalizes = vocab.find("qwen3") != std::string::npos;
    for (const Record& r : read_jsonl(*test::find_reference(file))) {
      INFO(file << ": " << r.text);
      // Special-token text stays text with parse_special = false, so the round trip is lossless
      // (Qwen normalizes to NFC first).
      const std::vector<int32_t> ids = tok->tokenize(r.text, true, false);
      auto text = tok->detokenize(ids, false);
      REQUIRE(text.ok());
      CHECK(*text == (normalizes ? nfc(r.text) : r.text));
      CHECK(stream(*tok, ids, false) == *text);
      // With specials parsed and rendered.
      const std::vector<int32_t> special_ids = tok->tokenize(r.text, true, true);
      auto special_text = tok->detokenize(special_ids, true);
      REQUIRE(special_text.ok());
      CHECK(stream(*tok, special_ids, true) == *special_text);
    }
  }
}

TEST_CASE("tokenizer: streaming random ids holds back partial UTF-8 and equals one-shot",
          "[tokenizer]") {
  for (const char* vocab : {"reference/tokenizer/llama.cpp-suite/ggml-vocab-gpt-2.gguf",
                            "reference/tokenizer/llama.cpp-suite/ggml-vocab-llama-spm.gguf",
                            "reference/tokenizer/qwen3.gguf"}) {
    const Tokenizer* tok = load(vocab);
    if (!tok) continue;
    std::mt19937 rng(1234);
    for (int round = 0; round < 50; ++round) {
      std::vector<int32_t> ids(1 + rng() % 40);
      for (int32_t& id : ids)
        id = static_cast<int32_t>(rng() % static_cast<uint32_t>(tok->n_vocab()));
      for (bool special : {false, true}) {
        auto one_shot = tok->detokenize(ids, special);
        REQUIRE(one_shot.ok());
        REQUIRE(unicode::is_valid_utf8(*one_shot));
        CHECK(stream(*tok, ids, special) == *one_shot);
      }
    }
  }
}

TEST_CASE("tokenizer: a character split over byte tokens is held back until complete",
          "[tokenizer]") {
  const Tokenizer* tok = load("reference/tokenizer/llama.cpp-suite/ggml-vocab-gpt-2.gguf");
  if (!tok) return;
  // "€" (E2 82 AC) as three single-byte tokens (byte-level texts "â", "Ĥ", "¬").
  const std::vector<int32_t> ids = {*tok->find_token("a"), *tok->find_token("\xC3\xA2"),
                                    *tok->find_token("\xC4\xA4"), *tok->find_token("\xC2\xAC")};
  // Each push and flush appends to a string of its own.
  const auto pushed = [](StreamDecoder& dec, int32_t id) {
    std::string chunk;
    REQUIRE(dec.push(id, chunk));
    return chunk;
  };
  const auto flushed = [](StreamDecoder& dec) {
    std::string tail;
    dec.flush(tail);
    return tail;
  };
  StreamDecoder dec(*tok);
  std::vector<std::string> chunks;
  for (int32_t id : ids) chunks.push_back(pushed(dec, id));
  CHECK(chunks == std::vector<std::string>{"a", "", "", "\xE2\x82\xAC"});
  CHECK(flushed(dec).empty());
  CHECK(*tok->detokenize(ids, false) == "a\xE2\x82\xAC");

  // An unfinished character at the end of the stream comes out as U+FFFD per byte.
  StreamDecoder cut(*tok);
  CHECK(pushed(cut, ids[1]).empty());
  CHECK(pushed(cut, ids[2]).empty());
  CHECK(flushed(cut) == "\xEF\xBF\xBD\xEF\xBF\xBD");
  // A byte that cannot start a character is replaced at once.
  StreamDecoder stray(*tok);
  CHECK(pushed(stray, ids[2]) == "\xEF\xBF\xBD");
}

TEST_CASE("tokenizer: parse_special decides whether CONTROL text is a token", "[tokenizer]") {
  const Tokenizer* tok = load("reference/tokenizer/qwen3.gguf");
  if (!tok) return;
  const std::string text = "<|im_start|>user\n<think>hi</think><|im_end|>";
  const std::vector<int32_t> parsed = tok->tokenize(text, false, true);
  const std::vector<int32_t> plain = tok->tokenize(text, false, false);
  CHECK(parsed.front() == 151644);
  CHECK(parsed.back() == 151645);
  auto contains = [](const std::vector<int32_t>& v, int32_t id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  CHECK(!contains(plain, 151644));
  CHECK(!contains(plain, 151645));
  // <think> is USER_DEFINED: matched either way.
  CHECK(contains(parsed, 151667));
  CHECK(contains(plain, 151667));
  // CONTROL tokens render only when asked; USER_DEFINED always.
  CHECK(*tok->token_to_piece(151644, false) == "");
  CHECK(*tok->token_to_piece(151644, true) == "<|im_start|>");
  CHECK(*tok->token_to_piece(151667, false) == "<think>");
  CHECK(*tok->detokenize(parsed, true) == text);
  CHECK(*tok->detokenize(plain, false) == text);
}

TEST_CASE("tokenizer: BOS/EOS flags and end-of-generation sets", "[tokenizer]") {
  if (const Tokenizer* q = load("reference/tokenizer/qwen3.gguf")) {
    CHECK(q->bos_id() == 151643);
    CHECK(q->eos_id() == 151645);
    CHECK(!q->add_bos());
    CHECK(q->eog_ids() == std::vector<int32_t>{151643, 151645, 151662, 151663, 151664});
    CHECK(q->is_eog(151645));
    CHECK(!q->is_eog(151644));
  }
  if (const Tokenizer* p = load("reference/tokenizer/phi4mini-o200k.gguf")) {
    CHECK(p->eog_ids() == std::vector<int32_t>{199999, 200020});
  }
  if (const Tokenizer* l = load("reference/tokenizer/llama3-smaug-bpe.gguf")) {
    CHECK(!l->add_bos());
    CHECK(l->eog_ids() == std::vector<int32_t>{128001, 128009});
  }
  if (const Tokenizer* s = load("reference/tokenizer/llama.cpp-suite/ggml-vocab-llama-spm.gguf")) {
    CHECK(s->add_bos());
    const std::vector<int32_t> ids = s->tokenize("Hello", true, false);
    REQUIRE(ids.size() >= 2);
    CHECK(ids.front() == 1);
    CHECK(*s->detokenize(ids, false) == "Hello");
    CHECK(*s->detokenize(ids, true) == "<s> Hello");
  }
}

TEST_CASE("tokenizer: ids outside the vocabulary are errors", "[tokenizer]") {
  const Tokenizer* tok = load("reference/tokenizer/llama.cpp-suite/ggml-vocab-gpt-2.gguf");
  if (!tok) return;
  for (int32_t bad : {-1, tok->n_vocab(), INT32_MAX, INT32_MIN}) {
    auto piece = tok->token_to_piece(bad, true);
    REQUIRE(!piece.ok());
    CHECK(piece.error().code() == ErrorCode::kInvalidArgument);
    CHECK(!tok->detokenize({0, bad}, false).ok());
    CHECK(!tok->token_text(bad).ok());
    CHECK(!tok->is_eog(bad));
    StreamDecoder dec(*tok);
    std::string out;
    CHECK(!dec.push(bad, out).ok());
    CHECK(out.empty());
  }
}

// A synthetic vocabulary in memory.
Result<Tokenizer> synthetic(const std::string& model, const std::string& pre,
                            std::vector<std::string> tokens, std::vector<std::string> merges,
                            std::vector<uint8_t>& image) {
  gguf::Writer w;
  w.set("tokenizer.ggml.model", gguf::MetaValue::string(model));
  if (!pre.empty()) w.set("tokenizer.ggml.pre", gguf::MetaValue::string(pre));
  w.set("tokenizer.ggml.tokens", gguf::MetaValue::string_array(std::move(tokens)));
  w.set("tokenizer.ggml.merges", gguf::MetaValue::string_array(std::move(merges)));
  auto bytes = w.write_memory();
  REQUIRE(bytes.ok());
  image = std::move(bytes).value();
  auto file = gguf::GgufFile::from_memory(image.data(), image.size());
  REQUIRE(file.ok());
  return Tokenizer::from_gguf(*file);
}

TEST_CASE("tokenizer: unsupported vocabularies are clear errors at load", "[tokenizer]") {
  std::vector<uint8_t> image;
  auto unknown_pre = synthetic("gpt2", "jais", {"a", "b", "ab"}, {"a b"}, image);
  REQUIRE(!unknown_pre.ok());
  CHECK(unknown_pre.error().code() == ErrorCode::kUnsupported);
  CHECK(unknown_pre.error().message().find("'jais'") != std::string::npos);

  auto missing_pre = synthetic("gpt2", "", {"a", "b", "ab"}, {"a b"}, image);
  REQUIRE(!missing_pre.ok());
  CHECK(missing_pre.error().code() == ErrorCode::kUnsupported);

  auto unknown_model = synthetic("rwkv", "", {"a"}, {}, image);
  REQUIRE(!unknown_model.ok());
  CHECK(unknown_model.error().code() == ErrorCode::kUnsupported);

  auto bad_merge = synthetic("gpt2", "gpt-2", {"a", "b"}, {"a b"}, image);
  REQUIRE(!bad_merge.ok());
  CHECK(bad_merge.error().code() == ErrorCode::kMalformedFile);

  auto good = synthetic("gpt2", "gpt-2", {"a", "b", "ab"}, {"a b"}, image);
  REQUIRE(good.ok());
  CHECK(good->tokenize("abab", false, false) == std::vector<int32_t>{2, 2});
}

TEST_CASE("tokenizer: Phi-3's SentencePiece vocabulary strips after its special tokens by itself",
          "[tokenizer]") {
  // The phi-3-mini preset is named "Phi 3 Mini 4k Instruct": nothing in the name says phi-3.
  SynthOptions o;
  o.preset = "phi-3-mini";
  o.n_embd = 64;
  o.n_layer = 1;
  o.n_head = 2;
  o.n_head_kv = 2;
  o.head_dim = 32;
  o.n_ff = 64;
  o.quant = "q8_0";
  const std::string path = test::temp_path("phi-3-mini-small.gguf");
  REQUIRE(synthesize_model(o, path));
  auto file = gguf::GgufFile::open(path);
  REQUIRE(file);
  CHECK(*file->get_string_or("general.name", "") == "Phi 3 Mini 4k Instruct");
  auto phi3 = Tokenizer::from_gguf(*file);
  REQUIRE(phi3);
  const std::string turns = "<|user|>\nHi<|end|>\n<|assistant|>\n";
  const std::string stripped = "<|user|>Hi<|end|><|assistant|>";
  CHECK(phi3->tokenize(turns, false, true) == phi3->tokenize(stripped, false, true));
  // Phi-4-mini's BPE vocabulary has the same chat tokens and keeps the newlines.
  if (const Tokenizer* phi4 = load("reference/models/phi3/phi3-Q4_0.gguf")) {
    const std::vector<int32_t> ids = phi4->tokenize(turns, false, true);
    CHECK(ids != phi4->tokenize(stripped, false, true));
    CHECK(*phi4->detokenize(ids, true) == turns);
  }
}

TEST_CASE("unicode: categories, whitespace and NFC come from the Unicode data", "[tokenizer]") {
  using namespace unicode;
  CHECK(general_category('A') == Gc::Lu);
  CHECK(general_category(0x00E9) == Gc::Ll);   // é
  CHECK(general_category(0x01C5) == Gc::Lt);   // ǅ
  CHECK(general_category(0x02B0) == Gc::Lm);   // ʰ
  CHECK(general_category(0x4E2D) == Gc::Lo);   // 中 (a CJK range entry)
  CHECK(general_category(0x0301) == Gc::Mn);   // combining acute
  CHECK(general_category(0x0967) == Gc::Nd);   // Devanagari one
  CHECK(general_category(0x00BD) == Gc::No);   // ½
  CHECK(general_category(0x1F600) == Gc::So);  // emoji
  CHECK(general_category(0x10FFFF) == Gc::Cn);
  CHECK((flags(0x3000) & kWhitespace));
  CHECK((flags(0x0085) & kWhitespace));
  CHECK(!(flags(0x200B) & kWhitespace));  // ZERO WIDTH SPACE is Cf, not White_Space
  CHECK(fold_to_ascii(0x017F) == 's');
  CHECK(nfc("Cafe\xCC\x81") == "Caf\xC3\xA9");
  CHECK(nfc("\xE2\x84\xA6") == "\xCE\xA9");                   // OHM SIGN -> OMEGA
  CHECK(nfc("\xE1\x84\x80\xE1\x85\xA1") == "\xEA\xB0\x80");   // Hangul jamo -> 가
  CHECK(nfc("a\xCC\xA3\xCC\x87") == "\xE1\xBA\xA1\xCC\x87");  // a + dot below + dot above
  CHECK(nfc("a\xCC\x87\xCC\xA3") == "\xE1\xBA\xA1\xCC\x87");  // reordered, then composed
}

}  // namespace
}  // namespace shoptalk::engine
