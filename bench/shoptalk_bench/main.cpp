// shoptalk-bench: prefill and decode throughput of GGUF models, llama-bench style, plus what
// llama-bench lacks: load time, peak RSS, the DRAM read bandwidth measured in the same run and
// decode efficiency (bytes read per second / that bandwidth).
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>

#include "json_writer.h"
#include "measure.h"

namespace shoptalk::bench {
namespace {

// 512 MiB: 16 times this machine class's last-level cache, so the reads come from DRAM.
constexpr uint64_t kBandwidthBytes = uint64_t{512} << 20;

struct Options {
  std::vector<std::string> models;
  std::vector<int> n_prompt = {512};
  std::vector<int> n_gen = {128};
  std::vector<int> depths = {0};
  int repetitions = 5;
  int threads = 0;
  std::string cache_type = "f16";
  std::string output = "md";
};

struct ModelRun {
  std::string path;
  ModelInfo info;
  std::string isa;
  double load_seconds = 0;
  std::vector<TestResult> results;
};

// KV bytes one position occupies for every layer, K and V together.
double kv_bytes_per_position(const ModelInfo& m, KvType type) {
  const double per_element = type == KvType::kF16    ? 2.0
                             : type == KvType::kQ8_0 ? 34.0 / 32
                                                     : 18.0 / 32;
  return 2.0 * m.n_layer * m.n_head_kv * m.head_dim * per_element;
}

// Bytes a decode test reads per generated token: the weights plus the KV cache at the average
// depth of the run.
double decode_bytes_per_token(const ModelInfo& m, const TestSpec& s, KvType type) {
  return static_cast<double>(m.weight_bytes_per_token) +
         kv_bytes_per_position(m, type) * (s.depth + s.n_tokens / 2.0);
}

double peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) * 1024.0;
}

std::string model_label(const ModelRun& r) {
  std::string name = r.path.substr(r.path.find_last_of('/') + 1);
  return name;
}

void print_markdown(const std::vector<ModelRun>& runs, const Options& o, KvType kv,
                    double bandwidth, double rss) {
  std::printf("DRAM read bandwidth (%d threads, same run): %.2f GB/s\n\n", o.threads,
              bandwidth / 1e9);
  std::printf(
      "| model | size | params | isa | threads | type_k | load ms | test | t/s | GB/s | eff |\n");
  std::printf("| --- | ---: | ---: | --- | ---: | --- | ---: | --- | ---: | ---: | ---: |\n");
  for (const ModelRun& r : runs) {
    uint64_t size = 0;
    for (const auto& [type, bytes] : r.info.type_bytes) size += bytes;
    for (const TestResult& t : r.results) {
      std::string gbs = "-", eff = "-";
      if (t.spec.kind == TestKind::kDecode) {
        const double bps = decode_bytes_per_token(r.info, t.spec, kv) * t.mean_tps();
        char b[32];
        std::snprintf(b, sizeof b, "%.2f", bps / 1e9);
        gbs = b;
        std::snprintf(b, sizeof b, "%.0f %%", 100.0 * bps / bandwidth);
        eff = b;
      }
      std::printf("| %s | %.1f MiB | %.2f M | %s | %d | %s | %.1f | %s | %.2f ± %.2f | %s | %s |\n",
                  model_label(r).c_str(), size / 1048576.0, r.info.n_params / 1e6, r.isa.c_str(),
                  o.threads, kv_type_name(kv), r.load_seconds * 1e3, t.spec.name().c_str(),
                  t.mean_tps(), t.stddev_tps(), gbs.c_str(), eff.c_str());
    }
  }
  std::printf("\npeak RSS %.1f MiB\n", rss / 1048576.0);
}

void print_json(const std::vector<ModelRun>& runs, const Options& o, KvType kv, double bandwidth,
                double rss) {
  json::JsonWriter j(stdout);
  j.begin_object().field("dram_read_bandwidth_bytes_per_s", bandwidth);
  j.field("peak_rss_bytes", rss).key("results").begin_array();
  for (const ModelRun& r : runs) {
    for (const TestResult& t : r.results) {
      j.begin_object().field("model_filename", r.path).field("model_type", r.info.architecture);
      uint64_t size = 0;
      for (const auto& [type, bytes] : r.info.type_bytes) size += bytes;
      j.field("model_size", size).field("model_n_params", r.info.n_params).field("isa", r.isa);
      j.field("n_threads", o.threads)
          .field("type_k", kv_type_name(kv))
          .field("type_v", kv_type_name(kv));
      j.field("n_prompt", t.spec.kind == TestKind::kPrefill ? t.spec.n_tokens : 0);
      j.field("n_gen", t.spec.kind == TestKind::kDecode ? t.spec.n_tokens : 0);
      j.field("n_depth", t.spec.depth).field("test", t.spec.name());
      j.field("avg_ns", static_cast<uint64_t>(t.mean_seconds() * 1e9));
      j.field("avg_ts", t.mean_tps()).field("stddev_ts", t.stddev_tps());
      j.key("samples_ts").begin_array();
      for (double s : t.seconds) j.value(t.spec.n_tokens / s);
      j.end_array().field("load_ms", r.load_seconds * 1e3);
      if (t.spec.kind == TestKind::kDecode) {
        const double bps = decode_bytes_per_token(r.info, t.spec, kv) * t.mean_tps();
        j.field("bytes_per_token", decode_bytes_per_token(r.info, t.spec, kv));
        j.field("read_bytes_per_s", bps).field("decode_efficiency", bps / bandwidth);
      }
      j.end_object();
    }
  }
  j.end_array().end_object().finish();
}

int fail(const Error& e) {
  std::fprintf(stderr, "shoptalk-bench: error: %s\n", e.message().c_str());
  return 1;
}

int run(const Options& o) {
  auto kv = kv_type_from_name(o.cache_type);
  if (!kv) return fail(kv.error());
  std::vector<ModelRun> runs;
  for (const std::string& path : o.models) {
    ModelOptions mo;
    mo.threads = o.threads;
    ModelRun r;
    r.path = path;
    const auto start = std::chrono::steady_clock::now();
    auto model = Model::load(path, mo);
    if (!model) return fail(model.error());
    r.load_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    r.info = model->info();
    r.isa = model->isa();
    RunConfig config;
    config.threads = o.threads;
    config.kv_type = *kv;
    config.repetitions = o.repetitions;
    for (int depth : o.depths) {
      for (int p : o.n_prompt) {
        if (p <= 0) continue;
        auto res = run_test(*model, {TestKind::kPrefill, p, depth}, config);
        if (!res) return fail(res.error());
        r.results.push_back(*res);
      }
      for (int n : o.n_gen) {
        if (n <= 0) continue;
        auto res = run_test(*model, {TestKind::kDecode, n, depth}, config);
        if (!res) return fail(res.error());
        r.results.push_back(*res);
      }
    }
    runs.push_back(std::move(r));
  }
  // Peak RSS is read before the bandwidth test, whose buffer would otherwise dominate it.
  const double rss = peak_rss_bytes();
  auto bandwidth = measure_read_bandwidth(o.threads, kBandwidthBytes);
  if (!bandwidth) return fail(bandwidth.error());
  if (o.output == "json") {
    print_json(runs, o, *kv, *bandwidth, rss);
  } else {
    print_markdown(runs, o, *kv, *bandwidth, rss);
  }
  return 0;
}

}  // namespace
}  // namespace shoptalk::bench

int main(int argc, char** argv) {
  using shoptalk::bench::Options;
  Options o;
  CLI::App app{
      "shoptalk-bench: prefill/decode throughput, load time, memory and decode efficiency"};
  app.add_option("-m,--model", o.models, "GGUF model files (comma separated)")
      ->required()
      ->delimiter(',');
  app.add_option("-p,--n-prompt", o.n_prompt, "Prompt lengths to time (prefill)")->delimiter(',');
  app.add_option("-n,--n-gen", o.n_gen, "Generated lengths to time (decode)")->delimiter(',');
  app.add_option("-d,--n-depth", o.depths, "KV cache depths to time at")->delimiter(',');
  app.add_option("-r,--repetitions", o.repetitions, "Timed repetitions after one warm-up")
      ->check(CLI::Range(1, 1000));
  app.add_option("-t,--threads", o.threads, "Threads (0 = every core)")->check(CLI::Range(0, 1024));
  app.add_option("--cache-type-k,--cache-type-v", o.cache_type,
                 "KV cache type: f16, q8_0, q4_0 (also -ctk/-ctv)");
  app.add_option("-o,--output", o.output, "Output format")->check(CLI::IsMember({"md", "json"}));
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
