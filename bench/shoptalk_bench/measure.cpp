#include "measure.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <optional>
#include <random>

namespace shoptalk::bench {

std::string TestSpec::name() const {
  std::string n = (kind == TestKind::kPrefill ? "pp" : "tg") + std::to_string(n_tokens);
  if (depth > 0) n += " @ d" + std::to_string(depth);
  if (mode == DecodeMode::kSampled) n += " sampled";
  if (mode == DecodeMode::kConstrained) n += " json";
  return n;
}

namespace {
double mean_of(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? 0.0 : sum / static_cast<double>(values.size());
}

// The sample standard deviation (0 for fewer than two values), as llama-bench reports it.
double stddev_of(const std::vector<double>& values) {
  if (values.size() < 2) return 0.0;
  const double mean = mean_of(values);
  double acc = 0;
  for (double v : values) acc += (v - mean) * (v - mean);
  return std::sqrt(acc / static_cast<double>(values.size() - 1));
}
}  // namespace

std::vector<double> TestResult::samples_tps() const {
  std::vector<double> tps;
  for (double s : seconds) tps.push_back(spec.n_tokens / s);
  return tps;
}

double TestResult::mean_seconds() const {
  return mean_of(seconds);
}
double TestResult::stddev_seconds() const {
  return stddev_of(seconds);
}
double TestResult::mean_tps() const {
  return mean_of(samples_tps());
}
double TestResult::stddev_tps() const {
  return stddev_of(samples_tps());
}

namespace {
std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::vector<Token> random_tokens(int n, int n_vocab, std::mt19937_64& rng) {
  std::uniform_int_distribution<Token> dist(0, n_vocab - 1);
  std::vector<Token> t(static_cast<size_t>(n));
  for (Token& x : t) x = dist(rng);
  return t;
}

// Generates spec.n_tokens after one random prompt token (sampled or constrained tests).
Result<double> time_generation(const Model& model, Session& session, const TestSpec& spec,
                               const std::optional<Constraint>& constraint, std::mt19937_64& rng) {
  auto prompted = session.prompt(random_tokens(1, model.info().n_vocab, rng));
  if (!prompted) return prompted.error();
  GenerateOptions options;
  options.max_tokens = spec.n_tokens;
  options.sampling.seed = rng();
  for (Token t : model.info().eog_tokens) options.sampling.logit_bias.push_back({t, -INFINITY});
  options.constraint = constraint;
  auto g = session.generate(options);
  if (!g) return g.error();
  const int evaluated = g->stats.generated_tokens - 1;  // the last sampled token is not evaluated
  if (evaluated < 1)
    return Error(ErrorCode::kInvalidArgument,
                 "the answer ended after its first token: nothing to time (a schema whose "
                 "values are longer is needed)");
  return g->stats.decode_seconds * spec.n_tokens / evaluated;
}

// One timed run on a fresh session: fills `depth` tokens untimed, then times the test.
Result<double> run_once(const Model& model, const TestSpec& spec, const RunConfig& config,
                        const std::optional<Constraint>& constraint, std::mt19937_64& rng) {
  SessionOptions options;
  options.threads = config.threads;
  options.kv_type = config.kv_type;
  // Speed, not answers, is measured: a test may run past the model's training context.
  options.allow_context_beyond_training = true;
  const int needed = spec.depth + spec.n_tokens + 1;
  if (config.context > 0 && needed > config.context)
    return Error(ErrorCode::kInvalidArgument,
                 spec.name() + " needs a context of " + std::to_string(needed) +
                     " positions; the tier's sessions have " + std::to_string(config.context));
  options.context = config.context > 0 ? config.context : needed;
  auto session = Session::create(model, options);
  if (!session) return session.error();
  const int n_vocab = model.info().n_vocab;
  if (spec.depth > 0) {
    auto filled = session->eval(random_tokens(spec.depth, n_vocab, rng));
    if (!filled) return filled.error();
  }
  if (spec.mode != DecodeMode::kFed) return time_generation(model, *session, spec, constraint, rng);
  const std::vector<Token> tokens = random_tokens(spec.n_tokens, n_vocab, rng);
  const auto start = std::chrono::steady_clock::now();
  if (spec.kind == TestKind::kPrefill) {
    auto logits = session->eval(tokens);
    if (!logits) return logits.error();
  } else {
    for (Token t : tokens) {
      auto logits = session->eval({t});
      if (!logits) return logits.error();
    }
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}
}  // namespace

Result<TestResult> run_test(const Model& model, const TestSpec& spec, const RunConfig& config) {
  std::mt19937_64 rng(config.seed);
  TestResult result;
  result.spec = spec;
  result.test_time = utc_now();
  // Compiled once, as an application does; its mask caches fill from the warm-up on.
  std::optional<Constraint> constraint;
  if (spec.mode == DecodeMode::kConstrained) {
    auto compiled = Constraint::compile(model, ConstraintKind::kJsonSchema, config.json_schema);
    if (!compiled) return compiled.error();
    constraint = std::move(compiled).value();
  }
  for (int r = -1; r < config.repetitions; ++r) {  // r = -1 is the warm-up
    auto seconds = run_once(model, spec, config, constraint, rng);
    if (!seconds) return seconds.error();
    if (r >= 0) result.seconds.push_back(*seconds);
  }
  return result;
}

}  // namespace shoptalk::bench
