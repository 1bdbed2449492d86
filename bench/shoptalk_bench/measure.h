// Timed runs of a model through the public API, llama-bench style: random tokens, a warm-up,
// then repetitions; no tokenization or sampling in the timed region.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::bench {

enum class TestKind { kPrefill, kDecode };

struct TestSpec {
  TestKind kind = TestKind::kPrefill;
  int n_tokens = 0;          // prompt tokens (prefill) or generated tokens (decode)
  int depth = 0;             // tokens already in the KV cache before the timed part
  std::string name() const;  // "pp512", "tg128", "tg128 @ d1024"
};

struct TestResult {
  TestSpec spec;
  std::vector<double> seconds;  // one per repetition
  std::string test_time;        // when the test started, UTC, ISO 8601 ("2025-01-31T09:15:02Z")
  std::vector<double> samples_tps() const;  // tokens per second, one per repetition
  double mean_tps() const;
  double stddev_tps() const;
  double mean_seconds() const;
  double stddev_seconds() const;
};

struct RunConfig {
  int threads = 0;
  KvType kv_type = KvType::kF16;
  int repetitions = 5;
  uint64_t seed = 42;
};

// Runs one test `config.repetitions` times after one untimed warm-up run.
Result<TestResult> run_test(const Model& model, const TestSpec& spec, const RunConfig& config);

}  // namespace shoptalk::bench
