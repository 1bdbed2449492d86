// `shoptalk`: inspect, synthesize and run GGUF models from the command line.
#include <cstdio>

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
  register_inspect(app, run);
  register_synth(app, run);
  register_logits(app, run);
  register_generate(app, run);
  register_tokenize(app, run);
  register_pack(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return run ? run() : 0;
}
