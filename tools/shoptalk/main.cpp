// `shoptalk`: inspect, synthesize and run GGUF models from the command line.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"

namespace shoptalk::cli {

int report(const Error& error) {
  std::fprintf(stderr, "shoptalk: error: %s\n", error.message().c_str());
  return error.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

}  // namespace shoptalk::cli

int main(int argc, char** argv) {
  using namespace shoptalk::cli;
  CLI::App app{"shoptalk: quantized transformer inference for edge devices"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "shoptalk 0.1.0");
  CommandRunner run;
  register_run(app, run);
  register_chat(app, run);
  register_inspect(app, run);
  register_synth(app, run);
  register_logits(app, run);
  register_embed(app, run);
  register_generate(app, run);
  register_tokenize(app, run);
  register_pack(app, run);
  register_isa(app, run);

  // llama.cpp spells the system prompt flag -sys, a multi-letter name CLI11 reserves for "--".
  std::vector<std::string> args(argv + 1, argv + argc);
  std::replace(args.begin(), args.end(), std::string("-sys"), std::string("--system-prompt"));
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run ? run() : 0;
}
