// `shoptalk chat MODEL`: an interactive conversation in the terminal. Each line typed is a user
// message; the answer streams back. The history stays in the session's KV cache, so a turn only
// evaluates what is new. Ctrl-C stops the current answer (the program keeps running; Ctrl-C at
// the prompt, Ctrl-D or /exit quits); /reset starts a new conversation.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.h"
#include "generation_flags.h"
#include "model_flags.h"

namespace shoptalk::cli {

namespace {
struct ChatArgs {
  ModelFlags model;
  GenerationFlags generation;
  std::string system;
};

// Set by SIGINT while an answer is being computed; read by the session (prefill) and the piece
// callback (decode). Lock-free atomics are safe to touch from a signal handler.
std::atomic<bool> g_answering{false};
std::atomic<bool> g_stop_answer{false};

extern "C" void on_interrupt(int) {
  if (g_answering.load()) {
    g_stop_answer.store(true);
    return;
  }
  std::signal(SIGINT, SIG_DFL);
  std::raise(SIGINT);
}

bool show_piece(std::string_view piece) {
  print_piece(piece);
  return !g_stop_answer.load();
}

int run_chat(const ChatArgs& a) {
  auto model = a.model.load();
  if (!model) return report(model.error());
  SessionOptions session_options;
  session_options.cancel = &g_stop_answer;
  auto session = Session::create(*model, session_options);
  if (!session) return report(session.error());
  if (!model->info().chat_error.empty())
    return report(Error(ErrorCode::kUnsupported, model->info().chat_error));

  std::vector<ChatMessage> history;
  if (!a.system.empty()) history.push_back({"system", a.system});
  const size_t first_turn = history.size();
  const bool interactive = isatty(STDIN_FILENO) != 0;
  std::signal(SIGINT, on_interrupt);
  std::string line;
  while (true) {
    if (interactive) std::printf("> "), std::fflush(stdout);
    if (!std::getline(std::cin, line) || line == "/exit") break;
    if (line.empty()) continue;
    if (line == "/reset") {
      history.resize(first_turn);
      continue;
    }
    history.push_back({"user", line});
    g_stop_answer.store(false);
    g_answering.store(true);
    auto answer = session->chat(history, a.generation.options(session->context()), show_piece);
    g_answering.store(false);
    std::printf("\n");
    std::fflush(stdout);
    if (!answer) {
      history.pop_back();
      if (answer.error().code() == ErrorCode::kCancelled) continue;  // stopped during the prompt
      return report(answer.error());
    }
    history.push_back({"assistant", answer->text});
    if (a.generation.stats) std::fprintf(stderr, "%s\n", stats_line(*answer).c_str());
    if (answer->stop_reason == StopReason::kContextFull) {
      std::fprintf(stderr, "shoptalk: the context is full; starting a new conversation\n");
      history.resize(first_turn);
    }
  }
  return 0;
}
}  // namespace

void register_chat(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<ChatArgs>();
  CLI::App* cmd = app.add_subcommand("chat", "Interactive multi-turn chat in the terminal");
  args->model.add_to(*cmd);
  cmd->add_option("--system-prompt", args->system, "System message (also -sys)");
  args->generation.add_to(*cmd);
  cmd->callback([args, &run] { run = [args] { return run_chat(*args); }; });
}

}  // namespace shoptalk::cli
