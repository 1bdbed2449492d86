// shoptalk-bench: prefill and decode throughput per deployment tier or for any GGUF, llama-bench
// style, plus what llama-bench lacks: cold/warm load time, time to first token, peak RSS against
// the tier's RAM budget, the DRAM read bandwidth and the int8 multiply-add peak measured in the
// same run, and decode and prefill efficiency against them; with --json-schema, constrained decode
// against sampled decode.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "report.h"
#include "shoptalk/synth.hpp"
#include "text_file.h"

namespace shoptalk::bench {
namespace {

// 512 MiB: far more than the last-level cache of any target device, so the reads come from DRAM.
constexpr uint64_t kBandwidthBytes = uint64_t{512} << 20;

struct Options {
  std::vector<std::string> models;
  std::string tier;
  std::string tiers_file;
  std::string cache_dir = ".cache/shoptalk-bench";
  std::vector<int> n_prompt = {512};
  std::vector<int> n_gen = {128};
  std::vector<int> depths = {0};
  int repetitions = 5;
  int threads = 0;
  std::string cache_type_k;  // empty: not given
  std::string cache_type_v;
  std::string output = "md";
  std::string svg;
  std::string json_schema_file;
};

int fail(const Error& e) {
  std::fprintf(stderr, "shoptalk-bench: error: %s\n", e.message().c_str());
  return 1;
}

// The tier model's file in the cache, made with synth on first use.
Result<std::string> cached_model(const TierModel& m, const std::string& cache_dir) {
  std::error_code ec;
  std::filesystem::create_directories(cache_dir, ec);
  if (ec)
    return Error(ErrorCode::kIo, "cannot create cache folder '" + cache_dir + "': " + ec.message());
  const std::string path = cache_dir + "/" + m.preset + "-" + m.quant + ".gguf";
  if (std::filesystem::exists(path)) return path;
  std::fprintf(stderr, "shoptalk-bench: making %s with synth (cached in %s)\n", m.label().c_str(),
               cache_dir.c_str());
  SynthOptions so;
  so.preset = m.preset;
  so.quant = m.quant;
  const std::string partial = path + ".partial";
  if (Status st = synthesize_model(so, partial); !st) return st.error();
  std::filesystem::rename(partial, path, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot rename '" + partial + "': " + ec.message());
  return path;
}

Result<std::vector<Tier>> load_tier_table(const Options& o) {
  if (o.tiers_file.empty()) return default_tiers();
  auto text = cli::read_text_file(o.tiers_file, "tier table");
  if (!text) return text.error();
  return parse_tiers(*text);
}

// The KV cache type from -ctk/-ctv. shoptalk's cache stores K and V in one type: one flag sets
// both, two must agree.
Result<KvType> cache_type(const Options& o) {
  if (!o.cache_type_k.empty() && !o.cache_type_v.empty() && o.cache_type_k != o.cache_type_v)
    return Error(ErrorCode::kInvalidArgument,
                 "-ctk " + o.cache_type_k + " and -ctv " + o.cache_type_v +
                     " differ: shoptalk's KV cache holds K and V in one type");
  const std::string& name = !o.cache_type_k.empty()   ? o.cache_type_k
                            : !o.cache_type_v.empty() ? o.cache_type_v
                                                      : "f16";
  return kv_type_from_name(name);
}

int run(const Options& o) {
  auto kv = cache_type(o);
  if (!kv) return fail(kv.error());
  RunPlan plan;
  plan.n_prompt = o.n_prompt;
  plan.n_gen = o.n_gen;
  plan.depths = o.depths;
  plan.config.threads = o.threads;
  plan.config.kv_type = *kv;
  plan.config.repetitions = o.repetitions;
  if (!o.json_schema_file.empty()) {
    auto schema = cli::read_text_file(o.json_schema_file, "JSON Schema file");
    if (!schema) return fail(schema.error());
    plan.config.json_schema = std::move(schema).value();
  }
  const bool show_progress = isatty(STDERR_FILENO) != 0;
  const ProgressFn progress = [&](const std::string& label, const std::string& test) {
    if (show_progress) std::fprintf(stderr, "\r\033[K[%s] %s ...", label.c_str(), test.c_str());
  };

  struct Job {
    std::optional<Tier> tier;
    std::string label, path;
  };
  std::vector<Job> jobs;
  for (const std::string& path : o.models)
    jobs.push_back({std::nullopt, path.substr(path.find_last_of('/') + 1), path});
  if (o.models.empty()) {
    auto table = load_tier_table(o);
    if (!table) return fail(table.error());
    auto tiers = select_tiers(*table, o.tier.empty() ? "1" : o.tier);
    if (!tiers) return fail(tiers.error());
    for (const Tier& tier : *tiers) {
      for (const TierModel& m : tier.models) {
        auto path = cached_model(m, o.cache_dir);
        if (!path) return fail(path.error());
        jobs.push_back({tier, m.label(), *path});
      }
    }
  }

  Report report;
  report.threads = o.threads;
  for (const Job& job : jobs) {
    RunPlan job_plan = plan;
    if (job.tier) {
      job_plan.config.context = job.tier->context;
      job_plan.config.memory_budget = job.tier->ram_budget_bytes;
      if (job.tier->kv_type && o.cache_type_k.empty() && o.cache_type_v.empty())
        job_plan.config.kv_type = *job.tier->kv_type;
    }
    auto result = run_model(job.path, job.label, job_plan, progress);
    if (!result) return fail(result.error());
    result->tier = job.tier;
    report.runs.push_back(std::move(*result));
  }
  if (show_progress) std::fprintf(stderr, "\r\033[K[bandwidth] measuring ...");
  auto bandwidth = measure_read_bandwidth(o.threads, kBandwidthBytes);
  if (!bandwidth) return fail(bandwidth.error());
  report.bandwidth = *bandwidth;
  if (show_progress) std::fprintf(stderr, "\r\033[K[int8 peak] measuring ...");
  auto int8_peak = measure_int8_peak(o.threads);
  if (!int8_peak) return fail(int8_peak.error());
  report.int8_peak = *int8_peak;
  auto isa = active_isa();
  if (!isa) return fail(isa.error());
  report.isa = *isa;
  if (show_progress) std::fprintf(stderr, "\r\033[K");

  if (o.output == "json") {
    write_json(report, stdout);
  } else if (o.output == "jsonl") {
    write_jsonl(report, stdout);
  } else if (o.output == "csv") {
    write_csv(report, stdout);
  } else {
    write_markdown(report, stdout);
  }
  if (!o.svg.empty()) {
    std::ofstream svg(o.svg);
    svg << render_svg(report);
    if (!svg) return fail(Error(ErrorCode::kIo, "cannot write '" + o.svg + "'"));
  }
  return 0;
}

}  // namespace
}  // namespace shoptalk::bench

int main(int argc, char** argv) {
  shoptalk::bench::Options o;
  CLI::App app{"shoptalk-bench: prefill/decode throughput per tier, load time, memory, efficiency"};
  auto* models = app.add_option("-m,--model", o.models, "GGUF files to benchmark (comma separated)")
                     ->delimiter(',');
  app.add_option("--tier", o.tier,
                 "Tier to run, by id or name: 1, 2, 3, 4 (512mb) or all (default 1; models made "
                 "with synth)")
      ->excludes(models);
  app.add_option("--tiers", o.tiers_file, "JSON tier table replacing the built-in one");
  app.add_option("--cache-dir", o.cache_dir, "Where synthesized tier models are kept");
  app.add_option("-p,--n-prompt", o.n_prompt, "Prompt lengths to time (prefill)")->delimiter(',');
  app.add_option("-n,--n-gen", o.n_gen, "Generated lengths to time (decode)")->delimiter(',');
  app.add_option("-d,--n-depth", o.depths, "KV cache depths to time at")->delimiter(',');
  app.add_option("-r,--repetitions", o.repetitions, "Timed repetitions after one warm-up")
      ->check(CLI::Range(1, 1000));
  app.add_option("-t,--threads", o.threads, "Threads (0 = every core)");
  app.add_option("--cache-type-k", o.cache_type_k,
                 "KV cache type of K: f16 (default, or the tier's), q8_0, q4_0 (also -ctk); "
                 "sets V too");
  app.add_option("--cache-type-v", o.cache_type_v,
                 "KV cache type of V (also -ctv); must equal K's when both are given");
  app.add_option("-o,--output", o.output, "Output format")
      ->check(CLI::IsMember({"md", "json", "jsonl", "csv"}));
  app.add_option("--svg", o.svg, "Also write an SVG chart of tokens/s to this file");
  app.add_option("--json-schema", o.json_schema_file,
                 "Also time each -n decode sampled, and constrained by this JSON Schema file");
  // llama-bench spells these with one dash, which CLI11 reserves for one-letter names.
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::string& a : args) {
    if (a == "-ctk") a = "--cache-type-k";
    if (a == "-ctv") a = "--cache-type-v";
  }
  std::reverse(args.begin(), args.end());
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (o.threads == 0)
    o.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return shoptalk::bench::run(o);
}
