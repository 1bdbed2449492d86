// The benchmark's outputs: a markdown table (llama-bench's columns plus ours), JSON and JSONL in
// llama-bench's shape (an array of test records, or one record per line, with llama-bench's keys
// plus ours), CSV, and an SVG bar chart of tokens/s per tier and model.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "runner.h"

namespace shoptalk::bench {

struct Report {
  std::vector<ModelRun> runs;
  double bandwidth = 0;  // DRAM read bytes/s measured in the same run
  double int8_peak = 0;  // int8 multiply-adds/s of the kernel level, same run (0: not measured)
  std::string isa;       // the kernel level int8_peak was measured on
  int threads = 0;
};

void write_markdown(const Report& report, std::FILE* out);
void write_json(const Report& report, std::FILE* out);
void write_jsonl(const Report& report, std::FILE* out);
void write_csv(const Report& report, std::FILE* out);
std::string render_svg(const Report& report);

}  // namespace shoptalk::bench
