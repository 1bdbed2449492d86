// Benchmarks one model file: cold and warm load, time to first token, the timed tests, and the
// peak resident memory of the whole run.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "measure.h"
#include "tiers.h"

namespace shoptalk::bench {

struct ModelRun {
  std::optional<Tier> tier;  // set when the model ran as part of a tier
  std::string label;         // "qwen3-0.6b q4_k_m" or the file name
  std::string path;
  ModelInfo info;
  std::string isa;
  KvType kv_type = KvType::kF16;  // the KV cache type of its sessions
  double load_cold_ms = 0;        // open to ready with the file evicted from the page cache
  double cold_start_ms = 0;       // ... plus the first token's logits (weights paged in)
  bool cold = false;              // false when the page cache could not be dropped
  double load_warm_ms = 0;
  double ttft_ms = 0;  // warm: the first prompt's prefill plus one decode step
  uint64_t peak_rss = 0;
  std::vector<TestResult> results;
};

struct RunPlan {
  std::vector<int> n_prompt;
  std::vector<int> n_gen;
  std::vector<int> depths;
  RunConfig config;
};

// Called before each timed test ("pp512", repetition count) for progress display.
using ProgressFn = std::function<void(const std::string& label, const std::string& test)>;

Result<ModelRun> run_model(const std::string& path, const std::string& label, const RunPlan& plan,
                           const ProgressFn& progress);

// Bytes a decode test reads per generated token: the weights plus the KV cache at the average
// depth of the run.
double decode_bytes_per_token(const ModelInfo& info, const TestSpec& spec, KvType kv_type);

// Int8 multiply-adds a prefill test does per prompt token: one per weight of every layer's
// projections (attention Q, K, V, O and the gated FFN). The output projection runs for the last
// token only, and attention is float work that grows with depth; neither is counted.
double prefill_macs_per_token(const ModelInfo& info);

}  // namespace shoptalk::bench
