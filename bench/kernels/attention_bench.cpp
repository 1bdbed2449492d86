// Attention of one layer (head_dim 128, 16 query heads on 8 KV heads, the Qwen3 shape; head-major
// rows as in engine/model/kv_cache.h) for the F16, Q8_0 and Q4_0 cache types:
// - attention_row/, attention_group/: one decode step over a cache of depth 1024 and 4096, by the
//   one-row kernel (a task per query head) and the GQA-group kernel (a task per KV head). Counter:
//   GB/s of KV bytes used (each KV head counted once per query head that reads it).
// - attention_prefill/: a causal prompt of 512 or 2048 tokens from an empty cache, by the tiled
//   kernel (the engine's prompt path: a task per tile of tokens and KV head) and, for comparison,
//   the GQA-group kernel per token. Counter: GMAC/s of the score and value products
//   (Σ positions seen × heads × 2 × head_dim).
#include <benchmark/benchmark.h>

#include <algorithm>
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

// The cache holds n_tok positions; token t sees positions 0..t.
void run_prefill(benchmark::State& state, GgmlType type, int n_tok, int threads, bool tiled) {
  const kernels::KernelTable& k = bench_kernels();
  const QuantTypeInfo& info = quant_type_info(type);
  const size_t head_bytes = row_size(info, kHeadDim);
  const size_t head_rows_bytes = head_bytes * static_cast<size_t>(n_tok);
  const std::vector<float> kv_floats = activations(2 * n_tok, kHeadDim);
  std::vector<uint8_t> kv(head_rows_bytes * kKvHeads * 2);
  for (int64_t part = 0; part < 2 * kKvHeads; ++part)
    for (int64_t j = 0; j < n_tok; ++j)
      info.quantize_row(kv_floats.data() + ((part % 2) * n_tok + j) * kHeadDim,
                        kv.data() + static_cast<size_t>(part) * head_rows_bytes +
                            static_cast<size_t>(j) * head_bytes,
                        kHeadDim);
  const std::vector<float> q = activations(n_tok, kHeadDim * kHeads);
  std::vector<float> out(q.size());
  kernels::ThreadPool pool(threads, kernels::attention_tile_scratch_bytes(kHeadDim));
  constexpr int kGroup = kHeads / kKvHeads;
  const auto row_at = [&](int64_t t, int64_t kv_head) {
    kernels::AttentionRow row;
    row.q = q.data() + (t * kHeads + kv_head * kGroup) * kHeadDim;
    row.k = kv.data() + static_cast<size_t>(kv_head) * head_rows_bytes;
    row.v = kv.data() + static_cast<size_t>(kKvHeads + kv_head) * head_rows_bytes;
    row.kv_stride = head_bytes;
    row.n_kv = t + 1;
    row.head_dim = kHeadDim;
    row.kv_type = type;
    row.scale = 1.0f / std::sqrt(static_cast<float>(kHeadDim));
    row.out = out.data() + (t * kHeads + kv_head * kGroup) * kHeadDim;
    return row;
  };
  const int tile_tokens = kernels::kAttentionTileRows / kGroup;
  const int n_tiles = (n_tok + tile_tokens - 1) / tile_tokens;
  for (auto _ : state) {
    if (tiled) {
      pool.parallel_for(int64_t{n_tiles} * kKvHeads, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task) {
          const int64_t turn = task / kKvHeads;
          const int64_t tile = turn % 2 == 0 ? turn / 2 : n_tiles - 1 - turn / 2;
          kernels::AttentionTile args;
          args.first = row_at(tile * tile_tokens, task % kKvHeads);
          args.n_query = kGroup;
          args.n_tok = static_cast<int>(std::min<int64_t>(tile_tokens, n_tok - tile * tile_tokens));
          args.q_tok_stride = kHeads * kHeadDim;
          args.out_tok_stride = kHeads * kHeadDim;
          args.scratch = reinterpret_cast<float*>(
              kernels::ThreadPool::scratch(kernels::attention_tile_scratch_bytes(kHeadDim)));
          k.attention_tile(k, args);
        }
      });
    } else {
      pool.parallel_for(int64_t{n_tok} * kKvHeads, [&](int64_t begin, int64_t end) {
        for (int64_t task = begin; task < end; ++task)
          k.attention_group(k,
                            {row_at(task / kKvHeads, task % kKvHeads), kGroup, kHeadDim, kHeadDim});
      });
    }
    benchmark::DoNotOptimize(out.data());
  }
  const double positions = 0.5 * n_tok * (n_tok + 1.0);
  const double macs = positions * kHeads * 2.0 * kHeadDim;
  state.counters["GMAC/s"] = benchmark::Counter(
      macs * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
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
  for (GgmlType type : {GgmlType::F16, GgmlType::Q8_0, GgmlType::Q4_0}) {
    for (int n_tok : {512, 2048}) {
      for (int threads : {1, 2}) {
        for (bool tiled : {true, false}) {
          const std::string name = std::string("attention_prefill/") +
                                   (tiled ? "tile/" : "group/") + quant_type_info(type).name +
                                   "/tokens:" + std::to_string(n_tok) +
                                   "/threads:" + std::to_string(threads);
          benchmark::RegisterBenchmark(name.c_str(), run_prefill, type, n_tok, threads, tiled)
              ->Unit(benchmark::kMillisecond)
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
