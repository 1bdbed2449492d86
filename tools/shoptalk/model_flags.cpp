#include "model_flags.h"

namespace shoptalk::cli {

void ModelFlags::add_to(CLI::App& cmd) {
  cmd.add_option("model", path, "GGUF model file")->required();
  cmd.add_option("-t,--threads", threads, "Threads (0 = every core)");
  cmd.add_option("-c,--ctx-size", context, "Context size in tokens (0 = min(training, 4096))")
      ->check(CLI::NonNegativeNumber);
  cmd.add_flag("--allow-context-beyond-training", beyond_training,
               "Allow a context longer than the model was trained for");
  cmd.add_option("--ctk,--cache-type-k", cache_type, "KV cache type: f16, q8_0 or q4_0");
  cmd.add_option("--memory-budget", budget_mib,
                 "MiB the model may use (weights + KV cache + scratch); a larger plan is refused");
}

Result<Model> ModelFlags::load() const {
  auto kv = kv_type_from_name(cache_type);
  if (!kv) return kv.error();
  ModelOptions options;
  options.threads = threads;
  options.context = context;
  options.allow_context_beyond_training = beyond_training;
  options.kv_type = *kv;
  options.memory_budget = budget_mib << 20;
  return Model::load(path, options);
}

}  // namespace shoptalk::cli
