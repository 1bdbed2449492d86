// `shoptalk tokenize MODEL [--no-add-special] [--parse-special]`: stdin text to token ids.
// `shoptalk tokenize MODEL --check FILE.jsonl`: every {"text", "ids", "add_special",
// "parse_special"} line is tokenized and compared; mismatches are printed, then
// "N passed, M failed" (exit code 1 if any failed).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "commands.h"
#include "json.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

namespace {
struct TokenizeArgs {
  std::string model;
  bool no_add_special = false;
  bool parse_special = false;
  std::string check;
};

std::string ids_text(const std::vector<Token>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s;
}

// A record's boolean member; absent or not a boolean reads as false.
bool flag(const json::Json& record, const char* key) {
  const json::Json& value = json::member(record, key);
  return value.is_boolean() && value.get<bool>();
}

int run_check(const Model& model, const std::string& path) {
  std::ifstream in(path);
  if (!in) return report(Error(ErrorCode::kIo, "cannot open '" + path + "'"));
  int passed = 0, failed = 0, line_no = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    auto parsed = json::parse(line);
    const bool is_record = parsed && json::member(*parsed, "text").is_string() &&
                           json::member(*parsed, "ids").is_array();
    if (!is_record) {
      std::printf("line %d: not a tokenizer record (%s)\n", line_no,
                  parsed ? "needs \"text\" and \"ids\"" : parsed.error().message().c_str());
      ++failed;
      continue;
    }
    const json::Json& rec = *parsed;
    std::vector<Token> expected;
    for (const json::Json& id : rec["ids"])
      expected.push_back(id.is_number() ? id.get<Token>() : Token{-1});
    const bool add_special = flag(rec, "add_special");
    const bool parse_special = flag(rec, "parse_special");
    const std::string text = rec["text"].get<std::string>();
    auto got = model.tokenize(text, add_special, parse_special);
    if (got && *got == expected) {
      ++passed;
      continue;
    }
    ++failed;
    std::printf(
        "line %d: mismatch (add_special=%d parse_special=%d)\n  expected: %s\n  got:      %s\n",
        line_no, add_special, parse_special, ids_text(expected).c_str(),
        got ? ids_text(*got).c_str() : got.error().message().c_str());
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}

int run_tokenize(const TokenizeArgs& a) {
  ModelOptions options;
  options.vocab_only = true;
  auto model = Model::load(a.model, options);
  if (!model) return report(model.error());
  if (!a.check.empty()) return run_check(*model, a.check);
  const std::string text((std::istreambuf_iterator<char>(std::cin)),
                         std::istreambuf_iterator<char>());
  auto ids = model->tokenize(text, !a.no_add_special, a.parse_special);
  if (!ids) return report(ids.error());
  std::printf("%s\n", ids_text(*ids).c_str());
  return 0;
}
}  // namespace

void register_tokenize(CLI::App& app, CommandRunner& run) {
  auto args = std::make_shared<TokenizeArgs>();
  CLI::App* cmd =
      app.add_subcommand("tokenize", "Text on stdin to token ids, or check a JSONL file");
  cmd->add_option("model", args->model, "GGUF model or vocabulary file")->required();
  cmd->add_flag("--no-add-special", args->no_add_special, "Do not add BOS/EOS");
  cmd->add_flag("--parse-special", args->parse_special, "Turn special-token text into tokens");
  cmd->add_option("--check", args->check, "JSONL file of {text, ids, add_special, parse_special}");
  cmd->callback([args, &run] { run = [args] { return run_tokenize(*args); }; });
}

}  // namespace shoptalk::cli
