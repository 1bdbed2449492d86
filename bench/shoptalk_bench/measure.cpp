#include "measure.h"

#include <chrono>
#include <cmath>
#include <ctime>
#include <random>

namespace shoptalk::bench {

std::string TestSpec::name() const {
  std::string n = (kind == TestKind::kPrefill ? "pp" : "tg") + std::to_string(n_tokens);
  if (depth > 0) n += " @ d" + std::to_string(depth);
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

// One timed run on a fresh session: fills `depth` tokens untimed, then times the test.
Result<double> run_once(const Model& model, const TestSpec& spec, const RunConfig& config,
                        std::mt19937_64& rng) {
  SessionOptions options;
  options.threads = config.threads;
  options.kv_type = config.kv_type;
  // Speed, not answers, is measured: a test may run past the model's training context.
  options.allow_context_beyond_training = true;
  options.context = spec.depth + spec.n_tokens + 1;
  auto session = Session::create(model, options);
  if (!session) return session.error();
  const int n_vocab = model.info().n_vocab;
  if (spec.depth > 0) {
    auto filled = session->eval(random_tokens(spec.depth, n_vocab, rng));
    if (!filled) return filled.error();
  }
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
  for (int r = -1; r < config.repetitions; ++r) {  // r = -1 is the warm-up
    auto seconds = run_once(model, spec, config, rng);
    if (!seconds) return seconds.error();
    if (r >= 0) result.seconds.push_back(*seconds);
  }
  return result;
}

}  // namespace shoptalk::bench
