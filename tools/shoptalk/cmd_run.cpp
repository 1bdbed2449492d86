// `shoptalk run MODEL -p PROMPT`: streams one completion of a prompt (or, with --chat, the
// model's answer to it as a user message, rendered with the model's chat template), optionally
// constrained by a JSON Schema, a GBNF grammar or a regex.
#include <cstdio>
#include <memory>

#include "commands.h"
#include "generation_flags.h"
#include "model_flags.h"
#include "text_file.h"

namespace shoptalk::cli {

namespace {
struct RunArgs {
  ModelFlags model;
  GenerationFlags generation;
  ConstraintFlags constraint;
  std::string prompt;
  std::string prompt_file;
  std::string system;
  bool chat = false;
};

int run_run(const RunArgs& a) {
  std::string text = a.prompt;
  if (!a.prompt_file.empty()) {
    auto file = read_text_file(a.prompt_file, "prompt file");
    if (!file) return report(file.error());
    text = std::move(*file);
  }
  if (text.empty())
    return report(Error(ErrorCode::kInvalidArgument, "no prompt: give -p TEXT or -f FILE"));
  auto model = a.model.load();
  if (!model) return report(model.error());
  auto session = Session::create(*model);
  if (!session) return report(session.error());
  GenerateOptions options = a.generation.options(session->context());
  if (Status st = a.constraint.apply(options); !st) return report(st.error());
  Result<Generation> answer = Error(ErrorCode::kInternal, "");
  if (a.chat) {
    std::vector<ChatMessage> messages;
    if (!a.system.empty()) messages.push_back({"system", a.system});
    messages.push_back({"user", text});
    answer = session->chat(messages, options, [](std::string_view piece) {
      print_piece(piece);
      return true;
    });
  } else {
    answer = session->generate(text, options, [](std::string_view piece) {
      print_piece(piece);
      return true;
    });
  }
  std::printf("\n");
  std::fflush(stdout);
  if (!answer) return report(answer.error());
  if (a.generation.stats) std::fprintf(stderr, "%s\n", stats_line(*answer).c_str());
  if (answer->stop_reason == StopReason::kIncompleteValue)
    return report(Error(ErrorCode::kBudgetExceeded, "the answer stopped inside the value (-n " +
                                                        std::to_string(options.max_tokens) +
                                                        " tokens): it is incomplete"));
  return 0;
}
}  // namespace

void register_run(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Stream a completion of a prompt (--chat: an answer)");
  args->model.add_to(*cmd);
  CLI::Option* prompt = cmd->add_option("-p,--prompt", args->prompt, "Prompt text");
  cmd->add_option("-f,--file", args->prompt_file, "Read the prompt from a file (- for stdin)")
      ->excludes(prompt);
  cmd->add_flag("--chat", args->chat, "Apply the model's chat template (prompt = user message)");
  cmd->add_option("--system-prompt", args->system, "System message with --chat (also -sys)");
  args->generation.add_to(*cmd);
  args->constraint.add_to(*cmd);
  cmd->callback([args, &run] { run = [args] { return run_run(*args); }; });
}

}  // namespace shoptalk::cli
