#include "report.h"

#include <algorithm>

#include "json.h"

namespace shoptalk::bench {

namespace {
uint64_t model_bytes(const ModelInfo& info) {
  uint64_t size = 0;
  for (const auto& [type, bytes] : info.type_bytes) size += bytes;
  return size;
}

// What a test moves per second against its limit measured in the same run: decode reads bytes
// (limit: DRAM bandwidth), prefill does int8 multiply-adds (limit: the level's int8 peak).
struct Throughput {
  double per_second = -1;  // negative: no limit was measured
  double efficiency = -1;
};

Throughput throughput(const Report& r, const ModelRun& run, const TestResult& t) {
  Throughput out;
  if (t.spec.kind == TestKind::kDecode && r.bandwidth > 0) {
    out.per_second = decode_bytes_per_token(run.info, t.spec, run.kv_type) * t.mean_tps();
    out.efficiency = out.per_second / r.bandwidth;
  } else if (t.spec.kind == TestKind::kPrefill && r.int8_peak > 0) {
    out.per_second = prefill_macs_per_token(run.info) * t.mean_tps();
    out.efficiency = out.per_second / r.int8_peak;
  }
  return out;
}

std::string budget_text(const ModelRun& run) {
  if (!run.tier) return "-";
  return std::string(fits_budget(run.peak_rss, *run.tier) ? "pass" : "FAIL") + " (" +
         std::to_string(run.tier->ram_budget_bytes >> 20) + " MiB)";
}

std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}
}  // namespace

void write_markdown(const Report& r, std::FILE* out) {
  std::fprintf(out, "DRAM read bandwidth (%d threads, same run): %.2f GB/s\n", r.threads,
               r.bandwidth / 1e9);
  if (r.int8_peak > 0)
    std::fprintf(out, "int8 multiply-add peak (%s, %d threads, same run): %.1f GMAC/s\n",
                 r.isa.c_str(), r.threads, r.int8_peak / 1e9);
  std::fprintf(out,
               "\n| tier | model | size | params | isa | threads | type_k | test | t/s | GB/s | "
               "GMAC/s | eff |\n");
  std::fprintf(
      out, "| --- | --- | ---: | ---: | --- | ---: | --- | --- | ---: | ---: | ---: | ---: |\n");
  for (const ModelRun& run : r.runs) {
    const std::string tier = run.tier ? std::to_string(run.tier->id) : "-";
    for (const TestResult& t : run.results) {
      char gbs[32] = "-", gmacs[32] = "-", eff[32] = "-";
      const Throughput tp = throughput(r, run, t);
      if (tp.efficiency >= 0) {
        std::snprintf(t.spec.kind == TestKind::kDecode ? gbs : gmacs, sizeof gbs, "%.2f",
                      tp.per_second / 1e9);
        std::snprintf(eff, sizeof eff, "%.0f %%", 100 * tp.efficiency);
      }
      std::fprintf(
          out, "| %s | %s | %.1f MiB | %.2f M | %s | %d | %s | %s | %.2f ± %.2f | %s | %s | %s |\n",
          tier.c_str(), run.label.c_str(), model_bytes(run.info) / 1048576.0,
          run.info.n_params / 1e6, run.isa.c_str(), r.threads, kv_type_name(run.kv_type),
          t.spec.name().c_str(), t.mean_tps(), t.stddev_tps(), gbs, gmacs, eff);
    }
  }
  std::fprintf(out,
               "\n| tier | model | load cold ms | cold start to first token ms | load warm ms | "
               "TTFT ms | peak RSS MiB | budget |\n");
  std::fprintf(out, "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n");
  for (const ModelRun& run : r.runs) {
    std::fprintf(out, "| %s | %s | %.1f%s | %.1f | %.1f | %.1f | %.1f | %s |\n",
                 run.tier ? std::to_string(run.tier->id).c_str() : "-", run.label.c_str(),
                 run.load_cold_ms, run.cold ? "" : " (warm)", run.cold_start_ms, run.load_warm_ms,
                 run.ttft_ms, run.peak_rss / 1048576.0, budget_text(run).c_str());
  }
}

namespace {
// One test as a llama-bench record: its fields where they mean the same (names, order and units
// of llama-bench's JSON), then shoptalk's own, with the machine-level figures of the run repeated
// in every record so that each line of JSONL stands alone.
json::Json record(const Report& r, const ModelRun& run, const TestResult& t) {
  json::Json j = json::Json::object();
  j["model_filename"] = run.path;
  j["model_type"] = run.info.architecture;
  j["model_size"] = model_bytes(run.info);
  j["model_n_params"] = run.info.n_params;
  j["n_threads"] = r.threads;
  j["type_k"] = kv_type_name(run.kv_type);
  j["type_v"] = kv_type_name(run.kv_type);
  j["n_prompt"] = t.spec.kind == TestKind::kPrefill ? t.spec.n_tokens : 0;
  j["n_gen"] = t.spec.kind == TestKind::kDecode ? t.spec.n_tokens : 0;
  j["n_depth"] = t.spec.depth;
  j["test_time"] = t.test_time;
  j["avg_ns"] = static_cast<uint64_t>(t.mean_seconds() * 1e9);
  j["stddev_ns"] = static_cast<uint64_t>(t.stddev_seconds() * 1e9);
  j["avg_ts"] = t.mean_tps();
  j["stddev_ts"] = t.stddev_tps();
  json::Json& samples_ns = j["samples_ns"] = json::Json::array();
  for (double s : t.seconds) samples_ns.push_back(static_cast<uint64_t>(s * 1e9));
  j["samples_ts"] = t.samples_tps();

  if (run.tier) {
    j["tier"] = run.tier->id;
    j["ram_budget_bytes"] = run.tier->ram_budget_bytes;
  }
  j["model"] = run.label;
  j["isa"] = run.isa;
  j["test"] = t.spec.name();
  j["load_cold_ms"] = run.load_cold_ms;
  j["cold_start_ms"] = run.cold_start_ms;
  j["load_warm_ms"] = run.load_warm_ms;
  j["ttft_ms"] = run.ttft_ms;
  j["peak_rss_bytes"] = run.peak_rss;
  if (run.tier) j["budget_pass"] = fits_budget(run.peak_rss, *run.tier);
  j["dram_read_bandwidth_bytes_per_s"] = r.bandwidth;
  j["int8_peak_macs_per_s"] = r.int8_peak;
  const Throughput tp = throughput(r, run, t);
  if (tp.efficiency >= 0 && t.spec.kind == TestKind::kDecode) {
    j["bytes_per_token"] = decode_bytes_per_token(run.info, t.spec, run.kv_type);
    j["read_bytes_per_s"] = tp.per_second;
    j["decode_efficiency"] = tp.efficiency;
  } else if (tp.efficiency >= 0) {
    j["macs_per_token"] = prefill_macs_per_token(run.info);
    j["macs_per_s"] = tp.per_second;
    j["prefill_efficiency"] = tp.efficiency;
  }
  return j;
}
}  // namespace

void write_json(const Report& r, std::FILE* out) {
  json::Json records = json::Json::array();
  for (const ModelRun& run : r.runs)
    for (const TestResult& t : run.results) records.push_back(record(r, run, t));
  std::fprintf(out, "%s\n", json::dump(records, 2).c_str());
}

void write_jsonl(const Report& r, std::FILE* out) {
  for (const ModelRun& run : r.runs)
    for (const TestResult& t : run.results)
      std::fprintf(out, "%s\n", json::dump(record(r, run, t)).c_str());
}

void write_csv(const Report& r, std::FILE* out) {
  std::fprintf(
      out,
      "tier,model,model_filename,isa,n_threads,type_k,test,n_prompt,n_gen,n_depth,avg_ts,stddev_ts,"
      "efficiency,load_cold_ms,load_warm_ms,ttft_ms,peak_rss_bytes,budget_pass\n");
  for (const ModelRun& run : r.runs) {
    for (const TestResult& t : run.results) {
      const double e = throughput(r, run, t).efficiency;
      std::fprintf(
          out, "%s,\"%s\",\"%s\",%s,%d,%s,%s,%d,%d,%d,%.4f,%.4f,%s,%.2f,%.2f,%.2f,%llu,%s\n",
          run.tier ? std::to_string(run.tier->id).c_str() : "", run.label.c_str(), run.path.c_str(),
          run.isa.c_str(), r.threads, kv_type_name(run.kv_type), t.spec.name().c_str(),
          t.spec.kind == TestKind::kPrefill ? t.spec.n_tokens : 0,
          t.spec.kind == TestKind::kDecode ? t.spec.n_tokens : 0, t.spec.depth, t.mean_tps(),
          t.stddev_tps(), e >= 0 ? std::to_string(e).c_str() : "", run.load_cold_ms,
          run.load_warm_ms, run.ttft_ms, static_cast<unsigned long long>(run.peak_rss),
          run.tier ? (fits_budget(run.peak_rss, *run.tier) ? "true" : "false") : "");
    }
  }
}

std::string render_svg(const Report& r) {
  // One group of bars per (tier, model): one bar per test, scaled to the fastest test.
  struct Bar {
    std::string group, test;
    double tps;
  };
  std::vector<Bar> bars;
  for (const ModelRun& run : r.runs) {
    const std::string group = (run.tier ? "tier " + std::to_string(run.tier->id) + ": " : "") +
                              run.label + ", KV " + kv_type_name(run.kv_type);
    for (const TestResult& t : run.results) bars.push_back({group, t.spec.name(), t.mean_tps()});
  }
  double max_tps = 1;
  for (const Bar& b : bars) max_tps = std::max(max_tps, b.tps);
  const int bar_h = 22, gap = 6, left = 330, width = 900, top = 50;
  const int height = top + static_cast<int>(bars.size()) * (bar_h + gap) + 40;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) +
                  "\" height=\"" + std::to_string(height) +
                  "\" font-family=\"sans-serif\" font-size=\"13\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"10\" y=\"24\" font-size=\"16\" font-weight=\"bold\">shoptalk-bench: tokens/s per "
       "tier (" +
       std::to_string(r.threads) + " threads)</text>\n";
  int y = top;
  for (const Bar& b : bars) {
    const int w = static_cast<int>((width - left - 90) * b.tps / max_tps);
    const bool prefill = b.test.rfind("pp", 0) == 0;
    char value[32];
    std::snprintf(value, sizeof value, "%.1f", b.tps);
    s += "<text x=\"" + std::to_string(left - 8) + "\" y=\"" + std::to_string(y + 16) +
         "\" text-anchor=\"end\">" + xml_escape(b.group + " " + b.test) + "</text>\n";
    s += "<rect x=\"" + std::to_string(left) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
         std::to_string(std::max(w, 1)) + "\" height=\"" + std::to_string(bar_h) + "\" fill=\"" +
         (prefill ? "#4878a8" : "#e0823d") + "\"/>\n";
    s += "<text x=\"" + std::to_string(left + std::max(w, 1) + 6) + "\" y=\"" +
         std::to_string(y + 16) + "\">" + value + "</text>\n";
    y += bar_h + gap;
  }
  s += "<text x=\"10\" y=\"" + std::to_string(height - 12) +
       "\" fill=\"#555\">blue: prefill (pp), orange: decode (tg)</text>\n</svg>\n";
  return s;
}

}  // namespace shoptalk::bench
