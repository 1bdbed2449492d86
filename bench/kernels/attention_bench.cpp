// One decode step of attention over a KV cache of depth 1024 and 4096 (head_dim 128, 16 query
// heads on 8 KV heads, the Qwen3 shape; head-major rows as in engine/model/kv_cache.h) for the
// F16, Q8_0 and Q4_0 cache types, by the one-row kernel (a task per query head) and the GQA-group
// kernel (a task per KV head). Counter: GB/s of KV bytes used (each KV head counted once per query
// head that reads it, for both kernels).
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>

#include "bench_data.h"
#include "formats/quant_table.h"
#include "kernels/thread_pool.h"

namespace shoptalk::bench {
namespace {

constexpr int kHeadDim = 128;
constexpr int kHeads = 16;
constexpr int kKvHeads = 8;

void run_attention(benchmark::State& state, GgmlType type, int64_t depth, int threads,
                   bool grouped) {
  const kernels::KernelTable& k = bench_kernels();
  const QuantTypeInfo& info = quant_type_info(type);
  const size_t head_bytes = row_size(info, kHeadDim);
  // The engine's head-major cache: each KV head's rows for consecutive positions are adjacent.
  const size_t head_rows_bytes = head_bytes * static_cast<size_t>(depth);
  const std::vector<float> kv_floats = activations(depth * 2, kHeadDim * kKvHeads);
  std::vector<uint8_t> kv(head_rows_bytes * kKvHeads * 2);
  for (int64_t j = 0; j < depth * 2; ++j)
    for (int h = 0; h < kKvHeads; ++h)
      info.quantize_row(kv_floats.data() + (j * kKvHeads + h) * kHeadDim,
                        kv.data() + (j / depth * kKvHeads + h) * head_rows_bytes +
                            static_cast<size_t>(j % depth) * head_bytes,
                        kHeadDim);
  const uint8_t* keys = kv.data();
  const uint8_t* values = kv.data() + head_rows_bytes * kKvHeads;
  const std::vector<float> q = activations(1, kHeadDim * kHeads);
  std::vector<float> out(kHeadDim * kHeads);
  kernels::ThreadPool pool(threads);
  constexpr int kGroup = kHeads / kKvHeads;
  const auto row_of_head = [&](int64_t h) {
    kernels::AttentionRow row;
    row.q = q.data() + h * kHeadDim;
    row.k = keys + static_cast<size_t>(h / kGroup) * head_rows_bytes;
    row.v = values + static_cast<size_t>(h / kGroup) * head_rows_bytes;
    row.kv_stride = head_bytes;
    row.n_kv = depth;
    row.head_dim = kHeadDim;
    row.kv_type = type;
    row.scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
    row.out = out.data() + h * kHeadDim;
    return row;
  };
  for (auto _ : state) {
    if (grouped) {
      pool.parallel_for(kKvHeads, [&](int64_t begin, int64_t end) {
        for (int64_t g = begin; g < end; ++g)
          k.attention_group(k, {row_of_head(g * kGroup), kGroup, kHeadDim, kHeadDim});
      });
    } else {
      pool.parallel_for(kHeads, [&](int64_t begin, int64_t end) {
        for (int64_t h = begin; h < end; ++h) k.attention_row(k, row_of_head(h));
      });
    }
    benchmark::DoNotOptimize(out.data());
  }
  const double bytes = 2.0 * static_cast<double>(head_bytes) * static_cast<double>(depth) * kHeads;
  state.counters["GB/s"] = benchmark::Counter(bytes * static_cast<double>(state.iterations()) / 1e9,
                                              benchmark::Counter::kIsRate);
}

int register_all() {
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int64_t depth : {1024, 4096}) {
      for (int threads : {1, 2}) {
        for (bool grouped : {false, true}) {
          const std::string name = std::string(grouped ? "attention_group/" : "attention_row/") +
                                   quant_type_info(type).name + "/depth:" + std::to_string(depth) +
                                   "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), run_attention, type, depth, threads, grouped)
              ->Unit(benchmark::kMicrosecond)
              ->UseRealTime();
        }
      }
    }
  }
  return 0;
}

const int registered = register_all();

}  // namespace
}  // namespace shoptalk::bench
