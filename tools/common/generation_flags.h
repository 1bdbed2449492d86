// The flags that steer a generation, shared by `shoptalk run`, `shoptalk chat` and `diagnose`:
// llama.cpp's names and defaults (--temp, --top-k, --top-p, --min-p, --repeat-penalty, ...), and
// the constraint flags of `shoptalk run` and shoptalk-bench.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

struct GenerationFlags {
  SamplingOptions sampling;  // preset the fields before add_to() to change a program's defaults
  int64_t seed = -1;         // -1: a new random seed per answer
  int n_predict = -1;        // -1: until the end of the turn or a full context
  bool thinking = true;      // Qwen3 / SmolLM3 think block (--no-think turns it off)
  bool stats = false;        // print the per-answer statistics line on stderr

  void add_to(CLI::App& cmd);
  // The options for one answer in a session whose context holds `context` tokens.
  GenerateOptions options(int context) const;
};

// --json-schema FILE, --grammar FILE (GBNF) or --regex R: the answer is a value of that
// constraint (at most one of them).
struct ConstraintFlags {
  std::string json_schema_file;
  std::string grammar_file;
  std::string regex;

  void add_to(CLI::App& cmd);
  // Reads the chosen constraint into `options` (none given: leaves them as they are).
  Status apply(GenerateOptions& options) const;
};

// Writes a streamed piece to stdout at once (flushed, so a terminal shows it as it comes).
void print_piece(std::string_view piece);

// "prompt 81 tok (1530.2 tok/s), 212 generated (96.3 tok/s), first token 0.05 s, stop:
// end_of_generation" on one line.
std::string stats_line(const Generation& generation);

}  // namespace shoptalk::cli
