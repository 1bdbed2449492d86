// The memory plan made before loading against the resident memory the model really brings, for a
// synthetic Qwen3-0.6B. Method: write the file first (its page cache is not ours), read VmRSS,
// load the model, create a session whose whole context is evaluated in one batch (so every
// weight page, KV row and scratch buffer is touched), read VmRSS again; the growth is what the
// model brought (weights mapped from the file, KV cache, scratch, tokenizer, threads). Tagged
// hidden: ctest runs it alone in its own process (api_memory_plan_rss), where no memory freed by
// earlier tests can be reused and hide growth. Sanitizer runtimes distort RSS; they skip it.
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>

#include "api_helpers.h"
#include "shoptalk/synth.hpp"
#include "test_support.h"

#if defined(__SANITIZE_ADDRESS__)
#define SHOPTALK_RSS_MEANINGFUL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define SHOPTALK_RSS_MEANINGFUL 0
#endif
#endif
#ifndef SHOPTALK_RSS_MEANINGFUL
#define SHOPTALK_RSS_MEANINGFUL 1
#endif

namespace shoptalk::test {

namespace {
// A field of /proc/self/status ("VmRSS", "RssAnon", "RssFile") in bytes.
uint64_t status_bytes(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1)) * 1024;
  return 0;
}
}  // namespace

TEST_CASE("the memory plan of a synthetic Qwen3-0.6B is within 10 % of the measured RSS",
          "[.rss]") {
  if (!SHOPTALK_RSS_MEANINGFUL) {
    WARN("skipped: a sanitizer runtime changes resident memory");
    return;
  }
  const std::string path = synthetic_qwen3_q4_0("qwen3-0.6b-q4_0.gguf");

  ModelOptions options;
  options.threads = 2;
  options.context = 256;
  auto plan = Model::plan(path, options);
  REQUIRE(plan);

  const uint64_t rss0 = status_bytes("VmRSS"), anon0 = status_bytes("RssAnon"),
                 file0 = status_bytes("RssFile");
  {
    auto model = Model::load(path, options);
    REQUIRE(model);
    auto session = Session::create(*model);
    REQUIRE(session);
    std::vector<Token> prompt(256);
    for (size_t i = 0; i < prompt.size(); ++i) prompt[i] = static_cast<Token>(i * 577 % 151000);
    REQUIRE(session->prompt(prompt));
    const uint64_t rss1 = status_bytes("VmRSS");
    const double growth = static_cast<double>(rss1 - rss0);
    const double planned = static_cast<double>(plan->total());
    char report[512];
    std::snprintf(report, sizeof report,
                  "plan: weights %.1f MiB + KV %.1f MiB + scratch %.1f MiB = %.1f MiB; measured "
                  "RSS growth %.1f MiB (anonymous %.1f, file-backed %.1f); deviation %+.2f %%",
                  plan->weights / 1048576.0, plan->kv_cache / 1048576.0, plan->scratch / 1048576.0,
                  planned / 1048576.0, growth / 1048576.0,
                  (static_cast<double>(status_bytes("RssAnon")) - anon0) / 1048576.0,
                  (static_cast<double>(status_bytes("RssFile")) - file0) / 1048576.0,
                  100.0 * (growth - planned) / planned);
    WARN(report);
    CHECK(std::abs(growth - planned) <= 0.10 * planned);
  }
  std::remove(path.c_str());
}

}  // namespace shoptalk::test
