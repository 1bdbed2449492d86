// Flags shared by the commands that run a model (-t, -c, --ctk), with llama.cpp's names.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

struct ModelFlags {
  std::string path;
  int threads = 0;
  int context = 0;
  std::string cache_type = "f16";

  // Adds the MODEL positional argument and -t/--threads, -c/--ctx-size, --ctk/--cache-type-k.
  void add_to(CLI::App& cmd);
  Result<Model> load() const;
};

}  // namespace shoptalk::cli
