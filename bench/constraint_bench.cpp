// shoptalk-constraint-bench VOCAB.gguf [-g N] [-n MAX_TOKENS] [FILE...]: the constraint engine's
// compile time and per-token mask time on a model's vocabulary, for JSON Schemas (.json), GBNF
// grammars (.gbnf) and regexes (.regex, one pattern per file). Default files: the test suite's
// schemas and grammars (tests/data/constraint).
//
// Each file is compiled 5 times (median reported), then N seeded generations are run from a fresh
// compile: at each step the mask is filled (timed) and a random allowed token is picked, mostly
// uniformly, sometimes (15 %) the end-of-generation token or a byte that closes a value when
// allowed, up to MAX_TOKENS tokens. Times are thread CPU time (the machine is shared; wall time
// would count the time other jobs hold the core); mask p50/p99/max over every step of the N
// generations, and p99 of the first generation (it starts with empty caches) and of the later
// ones (a constraint reused, as a server reuses a compiled schema).
//
// It uses the engine's constraint interface directly (engine/constraint): the public API has no
// constraint yet, and what is measured here is that layer alone, without a model.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "engine/constraint/constraint.h"
#include "engine/tokenizer/tokenizer.h"
#include "formats/gguf.h"

namespace {

using namespace shoptalk::engine::constraint;
namespace fs = std::filesystem;

double cpu_seconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return v[i];
}

struct Stats {
  std::vector<double> mask_us, first_gen_us, later_us;
  double compile_ms = 0;
  int completed = 0, tokens = 0;
};

Stats run(Kind kind, const std::string& text, const std::shared_ptr<const Vocabulary>& vocab,
          int generations, int max_tokens, std::string& error) {
  Stats st;
  std::vector<double> compiles;
  for (int i = 0; i < 5; ++i) {
    const double t0 = cpu_seconds();
    auto c = Constraint::compile(kind, text, vocab);
    const double t1 = cpu_seconds();
    if (!c) {
      error = c.error().message();
      return st;
    }
    compiles.push_back((t1 - t0) * 1e3);
  }
  st.compile_ms = percentile(compiles, 0.5);
  auto c = Constraint::compile(kind, text, vocab);
  std::vector<uint32_t> mask(vocab->mask_words());
  std::vector<int32_t> ids;
  for (int g = 0; g < generations; ++g) {
    std::mt19937 rng(static_cast<uint32_t>(g));
    Matcher m(*c);
    for (int step = 0; step < max_tokens && !m.is_complete(); ++step) {
      const double t0 = cpu_seconds();
      m.fill_mask(mask.data());
      const double us = (cpu_seconds() - t0) * 1e6;
      st.mask_us.push_back(us);
      (g == 0 ? st.first_gen_us : st.later_us).push_back(us);
      ids.clear();
      mask_tokens(mask.data(), mask.size(), ids);
      if (ids.empty()) break;
      int32_t pick = ids[rng() % ids.size()];
      if (rng() % 100 < 15) {
        for (int32_t t : ids) {
          const std::string_view b = vocab->bytes(t);
          if (vocab->is_eog(t) ||
              (b.size() == 1 && (b[0] == '"' || b[0] == ']' || b[0] == '}' || b[0] == ','))) {
            pick = t;
            if (vocab->is_eog(t)) break;
          }
        }
      }
      if (!m.accept_token(pick)) break;
      ++st.tokens;
      if (vocab->is_eog(pick)) break;
    }
    if (m.is_complete()) ++st.completed;
  }
  return st;
}

}  // namespace

int main(int argc, char** argv) {
  int generations = 20, max_tokens = 256;
  std::vector<std::string> files;
  std::string vocab_path;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "-g" || a == "-n") && i + 1 < argc) {
      (a == "-g" ? generations : max_tokens) = std::atoi(argv[++i]);
    } else if (vocab_path.empty()) {
      vocab_path = a;
    } else {
      files.push_back(a);
    }
  }
  if (vocab_path.empty() || generations < 1 || max_tokens < 1) {
    std::fprintf(
        stderr,
        "usage: shoptalk-constraint-bench VOCAB.gguf [-g GENERATIONS] [-n MAX_TOKENS] [FILE...]\n");
    return 2;
  }
  if (files.empty()) {
    for (const char* dir : {"schemas", "grammars"}) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(fs::path(SHOPTALK_CONSTRAINT_DATA) / dir))
        found.push_back(e.path().string());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    }
  }
  auto file = shoptalk::gguf::GgufFile::open(vocab_path);
  if (!file) {
    std::fprintf(stderr, "shoptalk-constraint-bench: error: %s\n", file.error().message().c_str());
    return 1;
  }
  auto tokenizer = shoptalk::engine::Tokenizer::from_gguf(*file);
  if (!tokenizer) {
    std::fprintf(stderr, "shoptalk-constraint-bench: error: %s\n",
                 tokenizer.error().message().c_str());
    return 1;
  }
  const auto v0 = std::chrono::steady_clock::now();
  const auto vocab = Vocabulary::from_tokenizer(*tokenizer);
  const auto v1 = std::chrono::steady_clock::now();
  std::printf("vocabulary: %d tokens, %zu trie nodes, built in %.0f ms\n\n", vocab->size(),
              vocab->trie().size(), std::chrono::duration<double, std::milli>(v1 - v0).count());
  std::printf(
      "| file | compile ms | mask p50 us | p99 us | max us | p99 1st gen (cold) | p99 later gens | "
      "tokens | complete |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<double> all, later;
  double worst_compile = 0;
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string ext = fs::path(path).extension().string();
    const Kind kind = ext == ".gbnf"    ? Kind::kGbnf
                      : ext == ".regex" ? Kind::kRegex
                                        : Kind::kJsonSchema;
    std::string error;
    const Stats st = run(kind, kind == Kind::kRegex ? text.substr(0, text.find('\n')) : text, vocab,
                         generations, max_tokens, error);
    const std::string name = fs::path(path).filename().string();
    if (!error.empty()) {
      std::printf("| %s | error: %s |\n", name.c_str(), error.c_str());
      continue;
    }
    all.insert(all.end(), st.mask_us.begin(), st.mask_us.end());
    later.insert(later.end(), st.later_us.begin(), st.later_us.end());
    worst_compile = std::max(worst_compile, st.compile_ms);
    std::printf("| %s | %.2f | %.1f | %.1f | %.0f | %.1f | %.1f | %d | %d/%d |\n", name.c_str(),
                st.compile_ms, percentile(st.mask_us, 0.5), percentile(st.mask_us, 0.99),
                st.mask_us.empty() ? 0 : *std::max_element(st.mask_us.begin(), st.mask_us.end()),
                percentile(st.first_gen_us, 0.99), percentile(st.later_us, 0.99), st.tokens,
                st.completed, generations);
  }
  std::printf(
      "\nall files: %zu masks, p50 %.1f us, p99 %.1f us, max %.0f us; later generations: p50 %.1f "
      "us, p99 %.1f us; slowest compile %.2f ms\n",
      all.size(), percentile(all, 0.5), percentile(all, 0.99),
      all.empty() ? 0 : *std::max_element(all.begin(), all.end()), percentile(later, 0.5),
      percentile(later, 0.99), worst_compile);
  return 0;
}
