// `shoptalk synth --preset NAME --quant TYPE -o FILE`: writes a GGUF with random weights in the
// exact layout of a real model (or of any shape given with --arch and the shape flags).
// `shoptalk synth --list`: the presets and quantization types.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "commands.h"
#include "shoptalk/synth.hpp"

namespace shoptalk::cli {

namespace {

struct SynthArgs {
  SynthOptions options;
  std::string output;
  bool list = false;
};

int list_choices() {
  std::printf("presets:\n");
  for (const SynthPreset& p : synth_presets())
    std::printf("  %-14s %s\n", p.name.c_str(), p.description.c_str());
  std::printf("quantization types:\n ");
  for (const std::string& q : synth_quant_names()) std::printf(" %s", q.c_str());
  std::printf("\n");
  return 0;
}

int run_synth(const SynthArgs& a) {
  if (a.list) return list_choices();
  if (a.output.empty())
    return report(Error(ErrorCode::kInvalidArgument, "synth needs an output file (-o FILE)"));
  const auto start = std::chrono::steady_clock::now();
  const Status written = synthesize_model(a.options, a.output);
  if (!written) return report(written.error());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::error_code ec;
  const uintmax_t bytes = std::filesystem::file_size(a.output, ec);
  std::printf("wrote %s: %.1f MiB in %.1f s\n", a.output.c_str(),
              ec ? 0.0 : static_cast<double>(bytes) / (1 << 20), seconds);
  return 0;
}

}  // namespace

void register_synth(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<SynthArgs>();
  SynthOptions& o = args->options;
  CLI::App* cmd = app.add_subcommand(
      "synth", "Write a GGUF with random weights in a real model's layout and quant mix");
  cmd->add_option("--preset", o.preset, "A real model's shape (see --list)");
  cmd->add_option("--arch", o.architecture,
                  "Architecture without a preset: qwen3, llama, phi3, smollm3, qwen2");
  cmd->add_option("--family", o.family,
                  "Model family of the architecture without a preset: llama3.2 (llama), "
                  "phi3-mini (phi3); default: the first (smollm2, phi4-mini)");
  cmd->add_option("--quant", o.quant, "llama-quantize preset (see --list)")->capture_default_str();
  cmd->add_option("-o,--output", args->output, "The GGUF file to write");
  cmd->add_option("--n-embd", o.n_embd, "Embedding width");
  cmd->add_option("--n-layer", o.n_layer, "Number of layers");
  cmd->add_option("--n-head", o.n_head, "Attention heads");
  cmd->add_option("--n-head-kv", o.n_head_kv, "Key/value heads (default: n_head)");
  cmd->add_option("--head-dim", o.head_dim, "Head size (default: n_embd / n_head)");
  cmd->add_option("--n-ff", o.n_ff, "Feed-forward width");
  cmd->add_option("--n-vocab", o.n_vocab, "Vocabulary size (default: the family's)");
  cmd->add_option("--ctx", o.context, "Training context length (default: the family's)");
  cmd->add_option("--seed", o.seed, "Random seed; the same seed writes the same bytes")
      ->capture_default_str();
  cmd->add_flag("--exact", o.exact_random_weights,
                "Quantize every row from its own random floats (slow; for numerical tests)");
  cmd->add_flag("--list", args->list, "List the presets and quantization types");
  cmd->callback([args, &run] { run = [args] { return run_synth(*args); }; });
}

}  // namespace shoptalk::cli
