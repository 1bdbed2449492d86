// shoptalk-tokenizer-bench MODEL [TEXT_FILE]: tokenizer throughput in MB/s and tokens/s on a long
// mixed text (English and Spanish equipment reports plus C++ source by default), through the
// public API with special-token parsing on, best of several passes.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "shoptalk/shoptalk.hpp"

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: shoptalk-tokenizer-bench MODEL.gguf [TEXT_FILE]\n");
    return 2;
  }
  const std::string text_path = argc == 3 ? argv[2] : SHOPTALK_BENCH_TEXT;
  std::ifstream in(text_path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.empty()) {
    std::fprintf(stderr, "shoptalk-tokenizer-bench: error: cannot read '%s'\n", text_path.c_str());
    return 1;
  }
  shoptalk::ModelOptions options;
  options.vocab_only = true;
  auto model = shoptalk::Model::load(argv[1], options);
  if (!model) {
    std::fprintf(stderr, "shoptalk-tokenizer-bench: error: %s\n", model.error().message().c_str());
    return 1;
  }
  double best = 1e30;
  size_t n_tokens = 0;
  for (int pass = 0; pass < 5; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    auto ids = model->tokenize(text, /*add_special=*/false, /*parse_special=*/true);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!ids) {
      std::fprintf(stderr, "shoptalk-tokenizer-bench: error: %s\n", ids.error().message().c_str());
      return 1;
    }
    n_tokens = ids->size();
    best = std::min(best, seconds);
  }
  std::printf("%s: %zu bytes -> %zu tokens in %.2f ms: %.2f MB/s, %.0f tokens/s\n", argv[1],
              text.size(), n_tokens, best * 1e3, text.size() / best / 1e6, n_tokens / best);
  return 0;
}
