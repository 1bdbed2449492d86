// Helpers shared by the constraint tests: vocabularies, whole-text matching, the suite's data
// files and a seeded random walk over masks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/constraint/constraint.h"
#include "engine/tokenizer/tokenizer.h"
#include "formats/gguf.h"
#include "test_support.h"

namespace shoptalk::engine::constraint::test {

// One token per byte, then an end-of-generation token (id 256) and a special token (id 257).
inline std::shared_ptr<const Vocabulary> byte_vocab() {
  static const std::shared_ptr<const Vocabulary> v = [] {
    std::vector<std::string> pieces;
    for (int i = 0; i < 256; ++i) pieces.emplace_back(1, static_cast<char>(i));
    pieces.emplace_back("</s>");
    pieces.emplace_back("<tool_call>");
    return Vocabulary::from_pieces(pieces, {257}, {256});
  }();
  return v;
}

// The vocabulary of a GGUF file given relative to the reference folders; nullptr if absent.
inline std::shared_ptr<const Vocabulary> gguf_vocab(const std::string& relative) {
  const std::optional<std::string> path = shoptalk::test::find_reference(relative);
  if (!path) return nullptr;
  auto file = gguf::GgufFile::open(*path);
  if (!file) return nullptr;
  auto tok = Tokenizer::from_gguf(*file);
  if (!tok) return nullptr;
  return Vocabulary::from_tokenizer(*tok);
}

// The demo model's vocabulary (4096 tokens, always in the repo).
inline std::shared_ptr<const Vocabulary> tiny_vocab() {
  static const std::shared_ptr<const Vocabulary> v = [] {
    const std::filesystem::path p = std::filesystem::path(SHOPTALK_TEST_DATA_DIR) /
                                    "../../tools/models/shoptalk-tiny-Q4_K_M.gguf";
    auto file = gguf::GgufFile::open(p.string());
    if (!file) return std::shared_ptr<const Vocabulary>();
    auto tok = Tokenizer::from_gguf(*file);
    if (!tok) return std::shared_ptr<const Vocabulary>();
    return Vocabulary::from_tokenizer(*tok);
  }();
  return v;
}

// Qwen3's 151,936-token vocabulary when the shared reference folder has it.
inline std::shared_ptr<const Vocabulary> qwen3_vocab() {
  static const std::shared_ptr<const Vocabulary> v = gguf_vocab("reference/tokenizer/qwen3.gguf");
  return v;
}

inline Result<std::shared_ptr<const Constraint>> compile(Kind kind, const std::string& text,
                                                         const Options& options = {}) {
  return Constraint::compile(kind, text, byte_vocab(), options);
}

// Whether the whole text is accepted and complete as a value (EOG allowed after it).
inline bool accepts(const std::shared_ptr<const Constraint>& c, const std::string& text) {
  Matcher m(c);
  return m.accept_text(text).ok() && m.can_end();
}

inline std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::filesystem::path data_dir() {
  return std::filesystem::path(SHOPTALK_TEST_DATA_DIR) / "constraint";
}

// The files of a data folder with the extension, sorted.
inline std::vector<std::filesystem::path> data_files(const std::string& folder,
                                                     const std::string& ext) {
  std::vector<std::filesystem::path> out;
  for (const auto& e : std::filesystem::directory_iterator(data_dir() / folder))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline bool allowed(const std::vector<uint32_t>& mask, int32_t t) {
  return (mask[static_cast<size_t>(t) >> 5] >> (t & 31)) & 1;
}

struct Walk {
  std::string text;
  std::vector<int32_t> tokens;
  bool complete = false;  // ended with an end-of-generation token (or nothing else allowed)
};

// Picks random allowed tokens until the value is complete: uniform over the mask at first; once
// `patience` tokens are out, a growing share of the picks prefer the end-of-generation token,
// then single bytes that close values (or, for a quarter of the picks, any single byte: it
// reaches what a pattern still requires), so walks finish in a bounded number of steps.
inline Walk random_walk(const std::shared_ptr<const Constraint>& c, uint32_t seed,
                        int max_tokens = 4000, int patience = 24) {
  const Vocabulary& v = c->vocabulary();
  std::mt19937 rng(seed);
  Matcher m(c);
  Walk w;
  std::vector<uint32_t> mask(v.mask_words());
  std::vector<int32_t> ids;
  for (int step = 0; step < max_tokens; ++step) {
    if (m.is_complete()) {
      w.complete = true;
      break;
    }
    m.fill_mask(mask.data());
    ids.clear();
    mask_tokens(mask.data(), mask.size(), ids);
    if (ids.empty()) break;
    int32_t pick = ids[rng() % ids.size()];
    // The longer the walk, the more it closes.
    uint32_t mode = 0;
    if (step >= patience) {
      const uint32_t r = rng() % 100, closing = std::min<uint32_t>(
                                          90, 25 + static_cast<uint32_t>(step - patience) / 8);
      mode = r < closing ? 3 : r < closing + 25 ? 2 : 0;
    }
    if (mode >= 2) {
      // Toward an end: the end-of-generation token, else bytes that close values (mode 3) or
      // any single byte (mode 2: reaches what a pattern still requires).
      std::vector<int32_t> some;
      for (int32_t t : ids) {
        const std::string_view b = v.bytes(t);
        if (v.is_eog(t)) {
          some.assign(1, t);
          break;
        }
        if (b.size() == 1 &&
            (mode == 2 || std::string_view("\"]})0.").find(b[0]) != std::string_view::npos))
          some.push_back(t);
      }
      if (!some.empty()) pick = some[rng() % some.size()];
    }
    if (!m.accept_token(pick).ok()) break;
    w.tokens.push_back(pick);
    if (v.is_eog(pick)) {
      w.complete = true;
      break;
    }
    w.text += v.bytes(pick);
  }
  return w;
}

}  // namespace shoptalk::engine::constraint::test
