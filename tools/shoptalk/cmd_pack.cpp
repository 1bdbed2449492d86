// `shoptalk pack IN.gguf OUT.gguf`: a copy of a model with its weight matrices in the packed
// layout of the kernel level in use, which then loads with no copy and no repacking.
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

namespace {
struct PackArgs {
  std::string input;
  std::string output;
};

int run_pack(const PackArgs& args) {
  auto isa = active_isa();
  if (!isa) return report(isa.error());
  const auto start = std::chrono::steady_clock::now();
  if (Status status = pack_model(args.input, args.output); !status) return report(status.error());
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
  std::printf("wrote %s: weights packed for %s in %.1f s\n", args.output.c_str(), isa->c_str(),
              took.count());
  return 0;
}
}  // namespace

void register_pack(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<PackArgs>();
  CLI::App* cmd = app.add_subcommand(
      "pack", "Write a copy of a model with its weights packed for this CPU's kernels");
  cmd->add_option("input", args->input, "The GGUF model to pack")->required();
  cmd->add_option("output", args->output, "The packed GGUF file to write")->required();
  cmd->callback([args, &run] { run = [args] { return run_pack(*args); }; });
}

}  // namespace shoptalk::cli
