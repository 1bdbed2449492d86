// `shoptalk generate MODEL --tokens "ID ..." -n 32`: the greedy continuation as token ids (the
// argmax of each step, lowest id on ties, no stop on end-of-generation tokens).
#include <cstdio>
#include <memory>

#include "commands.h"
#include "model_flags.h"
#include "token_list.h"

namespace shoptalk::cli {

namespace {
struct GenerateArgs {
  ModelFlags model;
  std::string tokens;
  int n_predict = 32;
};

Token argmax(const std::vector<float>& logits) {
  size_t best = 0;
  for (size_t i = 1; i < logits.size(); ++i)
    if (logits[i] > logits[best]) best = i;
  return static_cast<Token>(best);
}

int run_generate(const GenerateArgs& a) {
  auto prompt = parse_token_list(a.tokens);
  if (!prompt) return report(prompt.error());
  auto model = a.model.load();
  if (!model) return report(model.error());
  auto session = Session::create(*model);
  if (!session) return report(session.error());
  auto logits = session->eval(*prompt);
  for (int i = 0; i < a.n_predict; ++i) {
    if (!logits) return report(logits.error());
    const Token next = argmax(*logits);
    std::printf(i ? " %d" : "%d", next);
    if (i + 1 < a.n_predict) logits = session->eval({next});
  }
  std::printf("\n");
  return 0;
}
}  // namespace

void register_generate(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<GenerateArgs>();
  CLI::App* cmd =
      app.add_subcommand("generate", "Print the greedy continuation of a token list as ids");
  args->model.add_to(*cmd);
  cmd->add_option("--tokens", args->tokens, "Prompt token ids, space separated")->required();
  cmd->add_option("-n,--n-predict", args->n_predict, "Tokens to generate")
      ->check(CLI::Range(1, 1 << 20));
  cmd->callback([args, &run] { run = [args] { return run_generate(*args); }; });
}

}  // namespace shoptalk::cli
