// `shoptalk isa [--runnable]`: the kernel ISA levels compiled into this build, whether this CPU
// runs each (and why not), and the one in use. With --runnable, only the names of the levels this
// CPU runs, one a line: what CI loops over to test every level.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

namespace {

int run_isa(bool runnable_only) {
  const auto listed = isa_levels();
  if (!listed) return report(listed.error());
  const std::vector<IsaLevel>& levels = *listed;
  if (runnable_only) {
    for (const IsaLevel& level : levels)
      if (level.runnable) std::printf("%s\n", level.name.c_str());
    return 0;
  }
  auto active = active_isa();
  if (!active) return report(active.error());
  for (const IsaLevel& level : levels) {
    if (level.runnable)
      std::printf("%-10s runs%s\n", level.name.c_str(), level.name == *active ? " (in use)" : "");
    else
      std::printf("%-10s does not run: %s\n", level.name.c_str(), level.unavailable.c_str());
  }
  return 0;
}

}  // namespace

void register_isa(CLI::App& app, CommandRunner& run) {
  auto runnable_only = std::make_shared<bool>(false);
  CLI::App* cmd = app.add_subcommand(
      "isa", "List the kernel ISA levels of this build and which ones this CPU runs");
  cmd->add_flag("--runnable", *runnable_only,
                "Print only the names of the levels this CPU runs, one a line");
  cmd->callback(
      [runnable_only, &run] { run = [runnable_only] { return run_isa(*runnable_only); }; });
}

}  // namespace shoptalk::cli
