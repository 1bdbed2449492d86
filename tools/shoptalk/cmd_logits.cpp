// `shoptalk logits MODEL --tokens "ID ..." --out FILE [--mode prefill|decode]`: the logits of
// every position as float32 little-endian rows [n_tokens][n_vocab] (the reference files' layout).
#include <memory>

#include "commands.h"
#include "f32_file.h"
#include "model_flags.h"
#include "token_list.h"

namespace shoptalk::cli {

namespace {
struct LogitsArgs {
  ModelFlags model;
  std::string tokens;
  std::string out;
  std::string mode = "prefill";
};

Result<std::vector<float>> compute(Session& session, const std::vector<Token>& tokens,
                                   bool prefill) {
  if (prefill) return session.eval(tokens, /*all_logits=*/true);
  std::vector<float> rows;
  for (Token t : tokens) {
    auto row = session.eval({t});
    if (!row) return row.error();
    rows.insert(rows.end(), row->begin(), row->end());
  }
  return rows;
}

int run_logits(const LogitsArgs& a) {
  auto tokens = parse_token_list(a.tokens);
  if (!tokens) return report(tokens.error());
  auto model = a.model.load();
  if (!model) return report(model.error());
  auto session = Session::create(*model);
  if (!session) return report(session.error());
  auto logits = compute(*session, *tokens, a.mode == "prefill");
  if (!logits) return report(logits.error());
  const Status written = write_f32_file(a.out, logits->data(), logits->size());
  return written ? 0 : report(written.error());
}
}  // namespace

void register_logits(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<LogitsArgs>();
  CLI::App* cmd =
      app.add_subcommand("logits", "Write the logits of every token position (float32 rows)");
  args->model.add_to(*cmd);
  cmd->add_option("--tokens", args->tokens, "Token ids, space separated")->required();
  cmd->add_option("--out", args->out, "Output file")->required();
  cmd->add_option("--mode", args->mode, "prefill: one batch; decode: one token at a time")
      ->check(CLI::IsMember({"prefill", "decode"}));
  cmd->callback([args, &run] { run = [args] { return run_logits(*args); }; });
}

}  // namespace shoptalk::cli
