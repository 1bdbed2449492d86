// Shared set-up of the kernel microbenchmarks: the kernel table under test, quantized weight
// matrices of real model shapes and the shapes themselves.
#pragma once

#include <cstdint>
#include <vector>

#include "formats/ggml_type.h"
#include "kernels/kernels.h"

namespace shoptalk::bench {

// The table the benchmarks run: SHOPTALK_ISA or the best level of this CPU.
const kernels::KernelTable& bench_kernels();

// rows × cols weights of `type` (distinct bytes for every row, from a pool of quantized random
// rows, so large matrices really stream from memory). Cached per (type, rows, cols).
const std::vector<uint8_t>& weight_bytes(GgmlType type, int64_t rows, int64_t cols);

// n_rows × cols random activations (normal, scale 1).
std::vector<float> activations(int64_t n_rows, int64_t cols);

struct MatShape {
  const char* model;
  const char* tensor;
  int64_t cols;  // inputs
  int64_t rows;  // outputs
};

// The projection shapes of Qwen3-0.6B, Qwen3-1.7B and Phi-4-mini (LM heads included).
const std::vector<MatShape>& model_shapes();

// Registers the GEMV/GEMM benchmarks of every weight type (matmul_bench.cpp).
void register_matmul_benchmarks();

}  // namespace shoptalk::bench
