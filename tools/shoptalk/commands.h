// The subcommands of the `shoptalk` program. Each register_* adds its CLI11 subcommand; when the
// user picks it, its callback stores the work to run in `run` (main runs it after parsing, so a
// command reports errors as one line and an exit code instead of through CLI11).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

#include "shoptalk/result.hpp"

namespace shoptalk::cli {

using CommandRunner = std::function<int()>;

void register_inspect(CLI::App& app, CommandRunner& run);
void register_synth(CLI::App& app, CommandRunner& run);
void register_logits(CLI::App& app, CommandRunner& run);
void register_embed(CLI::App& app, CommandRunner& run);
void register_generate(CLI::App& app, CommandRunner& run);
void register_tokenize(CLI::App& app, CommandRunner& run);
void register_run(CLI::App& app, CommandRunner& run);
void register_chat(CLI::App& app, CommandRunner& run);
void register_pack(CLI::App& app, CommandRunner& run);
void register_isa(CLI::App& app, CommandRunner& run);

// Prints "shoptalk: error: <message>" to stderr and returns the process exit code for it.
int report(const Error& error);

}  // namespace shoptalk::cli
