#include "runner.h"

#include <chrono>

#include "process_memory.h"

namespace shoptalk::bench {

namespace {
double ms_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

double kv_bytes_per_position(const ModelInfo& m, KvType type) {
  const double per_element = type == KvType::kF16    ? 2.0
                             : type == KvType::kQ8_0 ? 34.0 / 32
                                                     : 18.0 / 32;
  return 2.0 * m.n_layer * m.n_head_kv * m.head_dim * per_element;
}
}  // namespace

double decode_bytes_per_token(const ModelInfo& info, const TestSpec& spec, KvType kv_type) {
  return static_cast<double>(info.weight_bytes_per_token) +
         kv_bytes_per_position(info, kv_type) * (spec.depth + spec.n_tokens / 2.0);
}

double prefill_macs_per_token(const ModelInfo& info) {
  const double q_width = static_cast<double>(info.n_head) * info.head_dim;
  const double kv_width = static_cast<double>(info.n_head_kv) * info.head_dim;
  const double per_layer =
      info.n_embd * (2 * q_width + 2 * kv_width) + 3.0 * info.n_embd * info.n_ff;
  return per_layer * info.n_layer;
}

Result<ModelRun> run_model(const std::string& path, const std::string& label, const RunPlan& plan,
                           const ProgressFn& progress) {
  ModelRun run;
  run.path = path;
  run.label = label;
  reset_peak_rss();
  ModelOptions options;
  options.threads = plan.config.threads;
  options.kv_type = plan.config.kv_type;
  options.context = plan.config.context;
  options.memory_budget = plan.config.memory_budget;
  run.kv_type = plan.config.kv_type;

  // Cold start: the file is not in the page cache; the first token pages the weights in.
  run.cold = evict_from_page_cache(path);
  auto start = std::chrono::steady_clock::now();
  {
    // Scoped: a second mapping of the same file would count its pages twice in the RSS.
    auto model = Model::load(path, options);
    if (!model) return model.error();
    run.load_cold_ms = ms_since(start);
    SessionOptions so;
    so.context = 16;
    auto session = Session::create(*model, so);
    if (!session) return session.error();
    auto logits = session->eval({0});
    if (!logits) return logits.error();
    run.cold_start_ms = ms_since(start);
  }
  reset_peak_rss();

  start = std::chrono::steady_clock::now();
  auto warm = Model::load(path, options);
  if (!warm) return warm.error();
  run.load_warm_ms = ms_since(start);
  run.info = warm->info();
  run.isa = warm->isa();

  double first_pp = 0, first_tg = 0;
  for (int depth : plan.depths) {
    std::vector<TestSpec> specs;
    for (int p : plan.n_prompt)
      if (p > 0) specs.push_back({TestKind::kPrefill, p, depth});
    for (int n : plan.n_gen) {
      if (n <= 0) continue;
      specs.push_back({TestKind::kDecode, n, depth});
      if (!plan.config.json_schema.empty()) {
        specs.push_back({TestKind::kDecode, n, depth, DecodeMode::kSampled});
        specs.push_back({TestKind::kDecode, n, depth, DecodeMode::kConstrained});
      }
    }
    for (const TestSpec& spec : specs) {
      if (progress) progress(label, spec.name());
      auto result = run_test(*warm, spec, plan.config);
      if (!result) return result.error();
      if (depth == plan.depths.front()) {
        if (spec.kind == TestKind::kPrefill && first_pp == 0) first_pp = result->mean_seconds();
        if (spec.kind == TestKind::kDecode && first_tg == 0)
          first_tg = result->mean_seconds() / spec.n_tokens;
      }
      run.results.push_back(*result);
    }
  }
  run.ttft_ms = (first_pp + first_tg) * 1e3;
  run.peak_rss = peak_rss_bytes();
  return run;
}

}  // namespace shoptalk::bench
