// shoptalk-diagnose: the way ShopTalk's diagnostics layer uses the library. Sensor readings (as
// key=value arguments or a JSON object) become a technician's question in English or Spanish;
// the model's answer streams to stdout, its think block hidden; the answer's confidence decides
// whether it stands or goes to a larger model (the hybrid tier). --json: the answer is a diagnosis
// object, generated under its JSON Schema. Runs on the shipped demo model.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "diagnosis_prompt.h"
#include "diagnosis_schema.h"
#include "equipment_report.h"
#include "generation_flags.h"
#include "json.h"
#include "text_file.h"
#include "think_filter.h"

namespace shoptalk::diagnose {

namespace {

constexpr const char* kDemoModelName = "shoptalk-tiny-Q4_K_M.gguf";

struct Options {
  std::vector<std::string> items;
  std::string readings_file;
  std::string language;
  std::string model;
  int threads = 0;
  int context = 0;
  bool beyond_training = false;
  cli::GenerationFlags generation;
  bool show_thinking = false;
  bool json = false;
  float escalate_below = -0.5f;
};

int fail(const Error& error) {
  std::fprintf(stderr, "shoptalk-diagnose: error: %s\n", error.message().c_str());
  return error.code() == ErrorCode::kInvalidArgument ? 2 : 1;
}

// The demo model installed next to the program (PREFIX/share/shoptalk), else the source tree's.
std::string default_model() {
  std::error_code ec;
  const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "shoptalk" / kDemoModelName;
    if (std::filesystem::exists(installed, ec)) return installed.string();
  }
  return SHOPTALK_DEMO_MODEL;
}

Result<EquipmentReport> read_report(const Options& o) {
  if (o.readings_file.empty()) return parse_key_values(o.items);
  if (!o.items.empty())
    return Error(ErrorCode::kInvalidArgument, "give readings as key=value or --readings, not both");
  auto text = cli::read_text_file(o.readings_file, "readings file");
  if (!text) return text.error();
  return parse_json_report(*text);
}

// The diagnosis object the constrained answer holds, escalated also when the answer's confidence
// says so; an answer cut short is an error, never a partial object.
Status write_json(const Generation& g, bool low_confidence) {
  if (g.stop_reason != StopReason::kEndOfGeneration) {
    const char* remedy = g.stop_reason == StopReason::kContextFull ? "raise -c" : "raise -n";
    return Error(ErrorCode::kBudgetExceeded,
                 std::string("the diagnosis is incomplete (") + stop_reason_name(g.stop_reason) +
                     " after " + std::to_string(g.stats.generated_tokens) + " tokens): " + remedy);
  }
  auto diagnosis = json::parse(g.value);
  if (!diagnosis) return diagnosis.error();
  json::Json& escalate = (*diagnosis)["escalate"];
  escalate = escalate.get<bool>() || low_confidence;
  std::printf("%s\n", json::dump(*diagnosis).c_str());
  return {};
}

int run(const Options& o) {
  auto report = read_report(o);
  if (!report) return fail(report.error());
  auto language = language_from_code(!o.language.empty()         ? o.language
                                     : !report->language.empty() ? report->language
                                                                 : "en");
  if (!language) return fail(language.error());

  ModelOptions model_options;
  model_options.threads = o.threads;
  model_options.context = o.context;
  model_options.allow_context_beyond_training = o.beyond_training;
  auto model = Model::load(o.model, model_options);
  if (!model) return fail(model.error());
  auto session = Session::create(*model);
  if (!session) return fail(session.error());

  std::vector<ChatMessage> chat = diagnosis_chat(*report, *language);
  GenerateOptions options = o.generation.options(session->context());
  if (o.json) {
    chat.front().content += json_instruction(*language);
    options.json_schema = kDiagnosisSchema;
  }
  ThinkFilter filter;
  auto show = [&](const ThinkFilter::Split& part) {
    if (o.show_thinking) std::fputs(part.thinking.c_str(), stderr);
    if (!o.json) cli::print_piece(part.answer);
  };
  auto answer = session->chat(chat, options, [&](std::string_view piece) {
    show(filter.feed(piece));
    return true;
  });
  if (!answer) return fail(answer.error());
  show(filter.finish());

  const bool escalate = answer->confidence.mean_logprob < o.escalate_below;
  if (o.json) {
    if (Status st = write_json(*answer, escalate); !st) return fail(st.error());
  } else {
    std::printf("\n");
  }
  std::fflush(stdout);
  std::fprintf(stderr, "confidence: mean log-prob %.3f, lowest %.3f, mean entropy %.3f nats: %s\n",
               answer->confidence.mean_logprob, answer->confidence.min_logprob,
               answer->confidence.mean_entropy,
               escalate ? "low, escalate to a larger model" : "answer stands");
  if (o.generation.stats) std::fprintf(stderr, "%s\n", cli::stats_line(*answer).c_str());
  return 0;
}

}  // namespace
}  // namespace shoptalk::diagnose

int main(int argc, char** argv) {
  using namespace shoptalk;
  diagnose::Options o;
  o.model = diagnose::default_model();
  o.generation.sampling = SamplingOptions::greedy();  // a diagnosis should be reproducible
  o.generation.n_predict = 512;
  CLI::App app{
      "shoptalk-diagnose: sensor readings in, a diagnosis out (English or Spanish)\n"
      "  shoptalk-diagnose equipment=\"Conveyor motor\" asset=CV-07 \\\n"
      "      symptom=\"is running slow and the motor is hot\" \\\n"
      "      \"motor current=8.5 A (rated 6.0 A)\" \"belt speed=30%\" \"motor temperature=92 °C\"\n"
      "  shoptalk-diagnose --readings report.json --lang es"};
  app.add_option("readings", o.items,
                 "key=value items: equipment, asset, symptom, code, question, lang; any other "
                 "key is a sensor reading");
  app.add_option("-r,--readings-file", o.readings_file,
                 "The report as a JSON object (- for stdin)");
  app.add_option("-l,--lang", o.language, "Language of the question and answer: en or es");
  app.add_option("-m,--model", o.model, "GGUF model with a chat template")->capture_default_str();
  app.add_option("-t,--threads", o.threads, "Threads (0 = every core)");
  app.add_option("-c,--ctx-size", o.context, "Context size in tokens (0 = the model's default)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--allow-context-beyond-training", o.beyond_training,
               "Allow a context longer than the model was trained for");
  o.generation.add_to(app);
  app.add_flag("--show-thinking", o.show_thinking, "Print the model's think block on stderr");
  app.add_flag("--json", o.json,
               "Answer with one diagnosis object (docs/diagnosis.schema.json), generated under "
               "that schema");
  app.add_option("--escalate-below", o.escalate_below,
                 "Mean log-probability under which the answer is escalated")
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return diagnose::run(o);
}
