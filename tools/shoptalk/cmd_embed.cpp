// `shoptalk embed MODEL (--tokens "ID ..." | --text TEXT)... --out FILE [--pooling P]
// [--normalize]`: one pooled embedding per input as float32 little-endian rows [n_inputs][n_embd],
// in the order the inputs were given (the layout of the reference .embd.f32 files).
#include <memory>

#include "commands.h"
#include "f32_file.h"
#include "model_flags.h"
#include "token_list.h"

namespace shoptalk::cli {

namespace {
struct EmbedArgs {
  ModelFlags model;
  std::vector<std::string> tokens;
  std::vector<std::string> texts;
  std::string out;
  std::string pooling = "none";
  bool normalize = false;
};

int run_embed(const EmbedArgs& a) {
  if (a.tokens.empty() == a.texts.empty())
    return report(Error(ErrorCode::kInvalidArgument,
                        "give the inputs as --tokens lists or as --text strings (one of them)"));
  EmbedOptions options;
  auto pooling = pooling_from_name(a.pooling);
  if (!pooling) return report(pooling.error());
  options.pooling = *pooling;
  options.normalize = a.normalize;
  options.threads = a.model.threads;
  std::vector<std::vector<Token>> inputs;
  for (const std::string& list : a.tokens) {
    auto ids = parse_token_list(list);
    if (!ids) return report(ids.error());
    inputs.push_back(std::move(ids).value());
  }
  auto model = a.model.load();
  if (!model) return report(model.error());
  auto vectors =
      inputs.empty() ? model->embed(a.texts, options) : model->embed_tokens(inputs, options);
  if (!vectors) return report(vectors.error());
  std::vector<float> rows;
  for (const std::vector<float>& v : *vectors) rows.insert(rows.end(), v.begin(), v.end());
  const Status written = write_f32_file(a.out, rows.data(), rows.size());
  return written ? 0 : report(written.error());
}
}  // namespace

void register_embed(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<EmbedArgs>();
  CLI::App* cmd = app.add_subcommand(
      "embed", "Write one pooled embedding per input (float32 rows [n_inputs][n_embd])");
  args->model.add_to(*cmd);
  cmd->add_option("--tokens", args->tokens, "An input's token ids, space separated (repeatable)");
  cmd->add_option("--text", args->texts,
                  "An input text, special tokens parsed (repeatable; Qwen3-Embedding expects it to "
                  "end with <|endoftext|>)");
  cmd->add_option("--out", args->out, "Output file")->required();
  cmd->add_option("--pooling", args->pooling,
                  "mean, cls or last; none (default): the model's pooling_type")
      ->check(CLI::IsMember({"none", "mean", "cls", "last"}));
  cmd->add_flag("--normalize", args->normalize, "Divide each vector by its L2 norm");
  cmd->callback([args, &run] { run = [args] { return run_embed(*args); }; });
}

}  // namespace shoptalk::cli
