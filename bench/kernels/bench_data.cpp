#include "bench_data.h"

#include <cstring>
#include <map>
#include <random>
#include <tuple>

#include "formats/quant_table.h"

namespace shoptalk::bench {

const kernels::KernelTable& bench_kernels() {
  return kernels::active_kernels();
}

const std::vector<uint8_t>& weight_bytes(GgmlType type, int64_t rows, int64_t cols) {
  static std::map<std::tuple<int, int64_t, int64_t>, std::vector<uint8_t>> cache;
  std::vector<uint8_t>& bytes = cache[{static_cast<int>(type), rows, cols}];
  if (!bytes.empty()) return bytes;
  const QuantTypeInfo& info = quant_type_info(type);
  const size_t row_bytes = row_size(info, cols);
  constexpr int64_t kPool = 16;
  std::vector<uint8_t> pool(row_bytes * kPool);
  const std::vector<float> floats = activations(kPool, cols);
  for (int64_t r = 0; r < kPool; ++r)
    info.quantize_row(floats.data() + r * cols, pool.data() + r * row_bytes, cols);
  bytes.resize(row_bytes * static_cast<size_t>(rows));
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(bytes.data() + r * row_bytes, pool.data() + (r % kPool) * row_bytes, row_bytes);
  return bytes;
}

std::vector<float> activations(int64_t n_rows, int64_t cols) {
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n_rows * cols));
  for (float& v : x) v = dist(rng);
  return x;
}

const std::vector<MatShape>& model_shapes() {
  static const std::vector<MatShape> shapes = {
      {"qwen3-0.6b", "attn_q", 1024, 2048},      {"qwen3-0.6b", "attn_kv", 1024, 1024},
      {"qwen3-0.6b", "attn_output", 2048, 1024}, {"qwen3-0.6b", "ffn_gate_up", 1024, 3072},
      {"qwen3-0.6b", "ffn_down", 3072, 1024},    {"qwen3-0.6b", "output", 1024, 151936},
      {"qwen3-1.7b", "attn_q", 2048, 2048},      {"qwen3-1.7b", "attn_kv", 2048, 1024},
      {"qwen3-1.7b", "ffn_gate_up", 2048, 6144}, {"qwen3-1.7b", "ffn_down", 6144, 2048},
      {"qwen3-1.7b", "output", 2048, 151936},    {"phi-4-mini", "attn_qkv", 3072, 5120},
      {"phi-4-mini", "attn_output", 3072, 3072}, {"phi-4-mini", "ffn_up", 3072, 16384},
      {"phi-4-mini", "ffn_down", 8192, 3072},    {"phi-4-mini", "output", 3072, 200064},
  };
  return shapes;
}

}  // namespace shoptalk::bench
