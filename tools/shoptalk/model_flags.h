// Flags shared by the commands that run a model (-t, -c, --ctk), with llama.cpp's names.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

struct ModelFlags {
  std::string path;
  int threads = 0;
  int context = 0;
  bool beyond_training = false;
  std::string cache_type = "f16";
  uint64_t budget_mib = 0;  // refuse a load whose memory plan exceeds it (0: no budget)

  // Adds the MODEL positional argument and -t/--threads, -c/--ctx-size,
  // --allow-context-beyond-training, --ctk/--cache-type-k, --memory-budget.
  void add_to(CLI::App& cmd);
  Result<Model> load() const;
};

}  // namespace shoptalk::cli
