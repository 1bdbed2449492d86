#include "generation_flags.h"

#include <cstdio>

#include "text_file.h"

namespace shoptalk::cli {

void GenerationFlags::add_to(CLI::App& cmd) {
  cmd.add_option("-n,--n-predict", n_predict, "Tokens to generate at most (-1: until done)")
      ->check(CLI::Range(-1, 1 << 24))
      ->capture_default_str();
  cmd.add_option("--temp", sampling.temperature, "Temperature (0: greedy)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--top-k", sampling.top_k, "Top-k sampling (0: off)")->capture_default_str();
  cmd.add_option("--top-p", sampling.top_p, "Top-p sampling (1: off)")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd.add_option("--min-p", sampling.min_p, "Min-p sampling (0: off)")
      ->check(CLI::Range(0.0f, 1.0f))
      ->capture_default_str();
  cmd.add_option("--repeat-penalty", sampling.repeat_penalty, "Repetition penalty (1: off)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--presence-penalty", sampling.presence_penalty, "Presence penalty (0: off)")
      ->capture_default_str();
  cmd.add_option("--frequency-penalty", sampling.frequency_penalty, "Frequency penalty (0: off)")
      ->capture_default_str();
  cmd.add_option("--repeat-last-n", sampling.penalty_last_n,
                 "Tokens the penalties look back over (0: off)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("-s,--seed", seed, "Random seed (-1: random)")
      ->check(CLI::Range(int64_t{-1}, int64_t{UINT32_MAX} - 1))
      ->capture_default_str();
  cmd.add_flag("--no-think{false}", thinking, "Qwen3/SmolLM3: answer without a think block");
  cmd.add_flag("--stats", stats, "Print prompt/decode speed and the stop reason on stderr");
}

GenerateOptions GenerationFlags::options(int context) const {
  GenerateOptions options;
  options.sampling = sampling;
  options.sampling.seed = seed < 0 ? SamplingOptions::kRandomSeed : static_cast<uint64_t>(seed);
  options.max_tokens = n_predict < 0 ? context : n_predict;
  options.enable_thinking = thinking;
  return options;
}

void ConstraintFlags::add_to(CLI::App& cmd) {
  CLI::Option* schema = cmd.add_option("--json-schema", json_schema_file,
                                       "Answer with one JSON value valid under this JSON Schema "
                                       "file");
  CLI::Option* grammar =
      cmd.add_option("--grammar", grammar_file, "Answer in the language of this GBNF grammar file")
          ->excludes(schema);
  cmd.add_option("--regex", regex, "Answer with text the whole of which matches this regex")
      ->excludes(schema)
      ->excludes(grammar);
}

Status ConstraintFlags::apply(GenerateOptions& options) const {
  const bool schema = !json_schema_file.empty();
  if (schema || !grammar_file.empty()) {
    auto text = schema ? read_text_file(json_schema_file, "JSON Schema file")
                       : read_text_file(grammar_file, "grammar file");
    if (!text) return text.error();
    (schema ? options.json_schema : options.grammar) = std::move(text).value();
  }
  if (!regex.empty()) options.regex = regex;
  return {};
}

void print_piece(std::string_view piece) {
  std::fwrite(piece.data(), 1, piece.size(), stdout);
  std::fflush(stdout);
}

std::string stats_line(const Generation& generation) {
  const GenerationStats& s = generation.stats;
  char line[256];
  std::snprintf(line, sizeof line,
                "prompt %d tok (%.1f tok/s), %d generated (%.1f tok/s), first token %.3f s, "
                "stop: %s",
                s.prompt_tokens, s.prefill_tokens_per_second(), s.generated_tokens,
                s.decode_tokens_per_second(), s.time_to_first_token,
                stop_reason_name(generation.stop_reason));
  return line;
}

}  // namespace shoptalk::cli
