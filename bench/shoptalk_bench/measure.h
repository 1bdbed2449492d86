// Timed runs of a model through the public API, llama-bench style: random tokens, a warm-up,
// then repetitions; no tokenization or sampling in the timed region.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::bench {

enum class TestKind { kPrefill, kDecode };

// Where a decode test's tokens come from: fed (random tokens, no sampling: llama-bench's tg), or
// drawn by Session::generate with llama.cpp's default sampling, free or under the JSON Schema of
// --json-schema (the end-of-generation tokens banned in both, so that the answer runs on).
enum class DecodeMode { kFed, kSampled, kConstrained };

struct TestSpec {
  TestKind kind = TestKind::kPrefill;
  int n_tokens = 0;  // prompt tokens (prefill) or generated tokens (decode)
  int depth = 0;     // tokens already in the KV cache before the timed part
  DecodeMode mode = DecodeMode::kFed;
  std::string name() const;  // "pp512", "tg128", "tg128 @ d1024", "tg128 sampled", "tg128 json"
};

struct TestResult {
  TestSpec spec;
  // One per repetition. A sampled or constrained test times the tokens Session::generate
  // evaluated (a constrained value may end before n_tokens): its seconds are scaled to n_tokens
  // at that rate.
  std::vector<double> seconds;
  std::string test_time;  // when the test started, UTC, ISO 8601 ("2025-01-31T09:15:02Z")
  std::vector<double> samples_tps() const;  // tokens per second, one per repetition
  double mean_tps() const;
  double stddev_tps() const;
  double mean_seconds() const;
  double stddev_seconds() const;
};

struct RunConfig {
  int threads = 0;
  KvType kv_type = KvType::kF16;
  // A tier's deployment: every session has this context (0: each test's own, depth + tokens + 1),
  // and the model this memory_budget (0: none), so that what cannot fit is refused before it
  // loads.
  int context = 0;
  uint64_t memory_budget = 0;
  int repetitions = 5;
  uint64_t seed = 42;
  std::string json_schema;  // the constraint of kConstrained tests
};

// Runs one test `config.repetitions` times after one untimed warm-up run.
Result<TestResult> run_test(const Model& model, const TestSpec& spec, const RunConfig& config);

}  // namespace shoptalk::bench
