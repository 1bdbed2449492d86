// The tier table, the budget pass/fail rule and the benchmark's JSON, CSV and SVG outputs.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "json.h"
#include "report.h"
#include "shoptalk/synth.hpp"
#include "tiers.h"

namespace shoptalk::bench {
namespace {

TEST_CASE("built-in tiers follow the deployment plan", "[bench]") {
  const std::vector<Tier>& tiers = default_tiers();
  REQUIRE(tiers.size() == 4);
  CHECK(tiers[0].models[0].preset == "qwen3-0.6b");
  CHECK(tiers[0].ram_budget_bytes == uint64_t{1} << 30);
  CHECK(tiers[1].models.size() == 2);
  CHECK(tiers[1].ram_budget_bytes == uint64_t{4} << 30);
  CHECK(tiers[2].models[0].label() == tiers[0].models[0].label());
  // The 512 MB board: Qwen3-0.6B Q4_0 with a 2,048-token Q4_0 KV cache within 450 MiB.
  CHECK(tiers[3].name == "512mb");
  CHECK(tiers[3].models[0].label() == "qwen3-0.6b q4_0");
  CHECK(tiers[3].ram_budget_bytes == uint64_t{450} << 20);
  CHECK(tiers[3].context == 2048);
  CHECK(tiers[3].kv_type == KvType::kQ4_0);
  CHECK(tiers[0].context == 0);
  CHECK_FALSE(tiers[0].kv_type);
}

TEST_CASE("tier tables parse from JSON and are checked", "[bench]") {
  auto ok = parse_tiers(
      R"({"tiers": [{"id": 7, "name": "lab", "devices": "x86 box", "ram_budget_mib": 512,
                         "models": [{"preset": "smollm2-135m", "quant": "q8_0"}]}]})");
  REQUIRE(ok);
  REQUIRE(ok->size() == 1);
  CHECK((*ok)[0].id == 7);
  CHECK((*ok)[0].ram_budget_bytes == uint64_t{512} << 20);
  CHECK((*ok)[0].models[0].label() == "smollm2-135m q8_0");
  CHECK((*ok)[0].context == 0);

  auto deployment = parse_tiers(
      R"({"tiers": [{"id": 5, "name": "board", "ram_budget_mib": 450, "context": 2048,
                     "kv_type": "q8_0", "models": [{"preset": "qwen3-0.6b", "quant": "q4_0"}]}]})");
  REQUIRE(deployment);
  CHECK((*deployment)[0].context == 2048);
  CHECK((*deployment)[0].kv_type == KvType::kQ8_0);

  const char* bad[] = {
      "not json",
      R"({"tiers": []})",
      R"({"tiers": [{"id": 0, "name": "a", "ram_budget_mib": 1, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1.5, "name": "a", "ram_budget_mib": 1, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "ram_budget_mib": 1, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": -5, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "models": []}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "models": [{"preset": "p"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "context": 0, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "context": 2.5, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "kv_type": "q5_0", "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "kv_type": 8, "models": [{"preset": "p", "quant": "q"}]}]})",
      R"({"tiers": [{"id": 1, "name": "a", "ram_budget_mib": 1, "models": [{"preset": "p", "quant": "q"}]},
                    {"id": 1, "name": "b", "ram_budget_mib": 1, "models": [{"preset": "p", "quant": "q"}]}]})",
  };
  for (const char* text : bad) {
    INFO(text);
    auto r = parse_tiers(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == ErrorCode::kInvalidArgument);
    CHECK(r.error().message().rfind("tier table: ", 0) == 0);
  }
}

TEST_CASE("tier tables may name the models ShopTalk deploys through Ollama today", "[bench]") {
  auto tiers = parse_tiers(
      R"({"tiers": [{"id": 1, "name": "ultra-edge", "ram_budget_mib": 1024,
                     "models": [{"preset": "qwen2.5-0.5b", "quant": "q4_k_m"},
                                {"preset": "llama-3.2-1b", "quant": "q4_k_m"}]},
                    {"id": 2, "name": "standard edge", "ram_budget_mib": 4096,
                     "models": [{"preset": "qwen2.5-1.5b", "quant": "q4_k_m"},
                                {"preset": "llama-3.2-3b", "quant": "q4_k_m"},
                                {"preset": "phi-3-mini", "quant": "q4_k_m"}]}]})");
  REQUIRE(tiers);
  std::vector<std::string> presets;
  for (const SynthPreset& p : synth_presets()) presets.push_back(p.name);
  for (const Tier& tier : *tiers)
    for (const TierModel& m : tier.models)
      CHECK(std::find(presets.begin(), presets.end(), m.preset) != presets.end());
}

TEST_CASE("tiers are selected by id, name or all", "[bench]") {
  CHECK(select_tiers(default_tiers(), "all")->size() == 4);
  CHECK(select_tiers(default_tiers(), "2")->front().id == 2);
  CHECK(select_tiers(default_tiers(), "512mb")->front().id == 4);
  auto missing = select_tiers(default_tiers(), "5");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message() == "no tier '5' (tiers: 1, 2, 3, 4, all)");
}

TEST_CASE("the budget passes exactly up to the tier's RAM", "[bench]") {
  const Tier& tier = default_tiers()[0];
  CHECK(fits_budget(tier.ram_budget_bytes, tier));
  CHECK(fits_budget(100, tier));
  CHECK_FALSE(fits_budget(tier.ram_budget_bytes + 1, tier));
}

Report sample_report() {
  Report r;
  r.bandwidth = 20e9;
  r.int8_peak = 100e9;
  r.isa = "avx2";
  r.threads = 2;
  ModelRun run;
  run.tier = default_tiers()[0];
  run.label = "qwen3-0.6b q4_k_m <\"&>";
  run.path = "/tmp/q.gguf";
  run.info.architecture = "qwen3";
  run.info.n_params = 596049920;
  run.info.weight_bytes_per_token = 390753280;
  run.info.n_layer = 28;
  run.info.n_embd = 1024;
  run.info.n_head = 16;
  run.info.n_head_kv = 8;
  run.info.head_dim = 128;
  run.info.n_ff = 3072;
  run.info.type_bytes = {{"q4_K", 214761472}, {"q6_K", 175868928}};
  run.isa = "avx2";
  run.peak_rss = uint64_t{2} << 30;  // over the 1 GiB budget
  run.results.push_back({{TestKind::kPrefill, 512, 0}, {1.0, 2.0}, "2025-01-31T09:15:02Z"});
  run.results.push_back({{TestKind::kDecode, 128, 0}, {4.0}, "2025-01-31T09:15:02Z"});
  r.runs.push_back(run);
  return r;
}

std::string capture(void (*writer)(const Report&, std::FILE*), const Report& r) {
  char* data = nullptr;
  size_t size = 0;
  std::FILE* f = open_memstream(&data, &size);
  writer(r, f);
  std::fclose(f);
  std::string s(data, size);
  std::free(data);
  return s;
}

// The checks every record must pass, from -o json and -o jsonl alike.
void check_records(const std::vector<json::Json>& records) {
  REQUIRE(records.size() == 2);
  // llama-bench's keys first, in its order; then ours, including the machine-level figures.
  const std::vector<std::string> llama_bench_keys = {
      "model_filename", "model_type", "model_size", "model_n_params", "n_threads", "type_k",
      "type_v",         "n_prompt",   "n_gen",      "n_depth",        "test_time", "avg_ns",
      "stddev_ns",      "avg_ts",     "stddev_ts",  "samples_ns",     "samples_ts"};
  for (const json::Json& r : records) {
    std::vector<std::string> first_keys;
    for (const auto& item : r.items()) {
      if (first_keys.size() == llama_bench_keys.size()) break;
      first_keys.push_back(item.key());
    }
    CHECK(first_keys == llama_bench_keys);
    for (const char* key :
         {"tier", "isa", "load_cold_ms", "load_warm_ms", "ttft_ms", "peak_rss_bytes", "budget_pass",
          "dram_read_bandwidth_bytes_per_s", "int8_peak_macs_per_s"}) {
      INFO(key);
      CHECK(r.contains(key));
    }
    CHECK(r.at("dram_read_bandwidth_bytes_per_s").get<double>() == 20e9);
    CHECK(r.at("int8_peak_macs_per_s").get<double>() == 100e9);
    CHECK(r.at("test_time").get<std::string>() == "2025-01-31T09:15:02Z");
  }
  const json::Json& pp = records[0];
  CHECK(pp.at("n_prompt").get<int>() == 512);
  CHECK(pp.at("avg_ns").get<int64_t>() == 1500000000);
  CHECK(pp.at("stddev_ns").get<int64_t>() == 707106781);  // sample stddev of 1 s and 2 s
  CHECK(pp.at("avg_ts").get<double>() == Approx((512 / 1.0 + 512 / 2.0) / 2));
  CHECK(pp.at("samples_ts").get<std::vector<double>>() == std::vector<double>{512.0, 256.0});
  CHECK_FALSE(pp.at("budget_pass").get<bool>());
  CHECK_FALSE(pp.contains("decode_efficiency"));
  // Qwen3-0.6B's projections: 28 · 1024 · (2·2048 + 2·1024 + 3·3072) multiply-adds per token, at
  // 384 tok/s against the 100 G/s peak.
  const double macs = 28 * 1024 * (2 * 2048 + 2 * 1024 + 3 * 3072.0);
  CHECK(pp.at("macs_per_token").get<double>() == Approx(macs));
  CHECK(pp.at("prefill_efficiency").get<double>() == Approx(macs * 384 / 100e9));
  const json::Json& tg = records[1];
  CHECK(tg.at("n_gen").get<int>() == 128);
  CHECK(tg.at("stddev_ts").get<double>() == 0);
  // 390753280 weight bytes + 28·8·128·2·2 KV bytes/position at an average depth of 64, 32 tok/s.
  const double bytes = 390753280.0 + 28 * 8 * 128 * 2 * 2.0 * 64;
  CHECK(tg.at("bytes_per_token").get<double>() == Approx(bytes));
  CHECK(tg.at("decode_efficiency").get<double>() == Approx(bytes * 32 / 20e9));
}

TEST_CASE("-o json prints llama-bench's array of records, with its keys plus ours", "[bench]") {
  const std::string text = capture(write_json, sample_report());
  INFO(text);
  auto parsed = json::parse(text);
  REQUIRE(parsed);
  REQUIRE(parsed->is_array());
  check_records(parsed->get<std::vector<json::Json>>());
}

TEST_CASE("-o jsonl prints one record per line", "[bench]") {
  const std::string text = capture(write_jsonl, sample_report());
  INFO(text);
  std::vector<json::Json> records;
  size_t begin = 0;
  for (size_t end; (end = text.find('\n', begin)) != std::string::npos; begin = end + 1) {
    auto parsed = json::parse(text.substr(begin, end - begin));
    REQUIRE(parsed);
    REQUIRE(parsed->is_object());
    records.push_back(std::move(*parsed));
  }
  CHECK(begin == text.size());
  check_records(records);
}

TEST_CASE("the markdown table gives decode GB/s and prefill GMAC/s against their limits",
          "[bench]") {
  const std::string text = capture(write_markdown, sample_report());
  INFO(text);
  CHECK(text.find("int8 multiply-add peak (avx2, 2 threads, same run): 100.0 GMAC/s") !=
        std::string::npos);
  CHECK(text.find(" | - | 169.11 | 169 % |\n") != std::string::npos);  // pp512
  CHECK(text.find(" | 12.74 | - | 64 % |\n") != std::string::npos);    // tg128
}

TEST_CASE("CSV output has one row per test", "[bench]") {
  const std::string text = capture(write_csv, sample_report());
  size_t lines = 0;
  for (char c : text) lines += c == '\n';
  CHECK(lines == 3);
  CHECK(text.rfind("tier,model,", 0) == 0);
  CHECK(text.find(",false\n") != std::string::npos);
}

TEST_CASE("SVG output is well-formed", "[bench]") {
  const std::string svg = render_svg(sample_report());
  CHECK(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\"", 0) == 0);
  CHECK(svg.find("</svg>\n") == svg.size() - 7);
  // Every element is closed, and label text is escaped.
  size_t open = 0, close = 0;
  for (size_t p = 0; (p = svg.find("<text", p)) != std::string::npos; ++p) ++open;
  for (size_t p = 0; (p = svg.find("</text>", p)) != std::string::npos; ++p) ++close;
  CHECK(open == close);
  CHECK(svg.find("&lt;&quot;&amp;&gt;") != std::string::npos);
  CHECK(svg.find("<\"&>") == std::string::npos);
  for (size_t p = 0; (p = svg.find("<rect", p)) != std::string::npos; ++p)
    CHECK(svg.compare(svg.find('>', p) - 1, 2, "/>") == 0);
}

}  // namespace
}  // namespace shoptalk::bench
