// The oracle: an independent float64 forward pass, written with Eigen from the formulas of
// docs/models.md, over weights dequantized by the formats/ reference dequantizers. It reads a
// model through the ArchSpec schema (hyper-parameter keys, tensors by role) and nothing of the
// engine's forward pass or kernels, so it bounds the error of every kernel path without
// llama.cpp, and it is what a new family is first checked against (docs/architecture.md,
// "Adding a model family"). Test code only: Eigen is no dependency of the library.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "engine/model/arch_spec.h"
#include "engine/model/hparams.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::test::oracle {

// How K and V are stored in the cache before attention reads them back.
enum class KvStore {
  kExact,  // float64
  kF16,    // rounded to binary16 (the default cache)
  kQ8_0,   // Hadamard-rotated in blocks, Q8_0-quantized, rotated back (docs/models.md)
};

// What else the oracle rounds as llama.cpp's CPU backend does.
enum class Numerics {
  kExact,  // float64 everywhere but the KV store: the formulas alone
  // Also rounded where llama.cpp's CPU backend rounds (docs/formats.md, "Matrix products with
  // quantized weights"; docs/models.md, "llama.cpp's CPU precision"): each matrix product's
  // input to its weight type's activation type (Q8_0 and Q8_1 as the x86 build quantizes them,
  // Q8_K, F16, BF16), Q4_1/Q5_1 products taking their min term from the fp16 activation sum, and
  // in passes of fewer than 32 tokens (kernels::kPrefillMinTokens; longer passes take the
  // tiled attention, docs/kernels.md) over fewer than 512 cached positions the one-row
  // flash-attention steps: Q converted to the cache's dot-product type, an
  // online softmax whose value accumulator is rounded to fp16 after every step (F16 cache).
  // Products and sums stay float64, so what remains is the kernels' own summation order and
  // the rounding flips it causes.
  kMatched,
};

struct RunOptions {
  uint32_t n_ctx = 512;  // the session context: picks phi3's LongRoPE factor set
  KvStore kv = KvStore::kF16;
  Numerics numerics = Numerics::kExact;
  // Tokens per forward pass (0: all in one), which decides the attention numerics of kMatched:
  // 1 is decoding one token at a time.
  int64_t batch = 0;
};

class Oracle {
 public:
  // Hyper-parameters through the schema (engine::read_model_header), then every tensor the
  // family's ArchSpec lists that the file holds, dequantized to float64.
  static Result<Oracle> load(const gguf::GgufFile& file);

  const engine::ArchSpec& arch() const { return *spec_; }
  const engine::HParams& hparams() const { return hp_; }

  // The output-normed hidden states of the tokens fed from position 0 in one causal sequence,
  // one column per token: [n_embd x n_tokens] (what an embedding pools).
  Eigen::MatrixXd states(const std::vector<int32_t>& tokens, const RunOptions& options) const;
  // Logits, one column per token: [n_vocab x n_tokens].
  Eigen::MatrixXd logits(const std::vector<int32_t>& tokens, const RunOptions& options) const;

 private:
  struct Tensor {
    Eigen::MatrixXd values;  // [rows x row length]; a vector is one row
    GgmlType type = GgmlType::F32;
    Eigen::MatrixXd block_mins;  // Q4_1 / Q5_1: each 32-block's m [rows x row length / 32]
  };

  const Tensor* find(engine::TensorRole role, int64_t layer = -1) const;
  // The block of the K (and Q) rotation of a quantized cache: the largest power of two >= 64
  // dividing the head size.
  int k_block() const;
  const Tensor& get(engine::TensorRole role, int64_t layer = -1) const;
  Eigen::MatrixXd project(const Tensor& w, const Eigen::MatrixXd& x, Numerics numerics) const;
  Eigen::MatrixXd rmsnorm(const Eigen::MatrixXd& x, const Eigen::VectorXd& weight) const;
  void rope(Eigen::MatrixXd& x, int64_t n_heads, const RunOptions& options) const;
  Eigen::MatrixXd attention(const Eigen::MatrixXd& q, const Eigen::MatrixXd& k,
                            const Eigen::MatrixXd& v, double scale,
                            const RunOptions& options) const;

  const engine::ArchSpec* spec_ = nullptr;
  engine::HParams hp_;
  std::map<std::pair<engine::TensorRole, int64_t>, Tensor> tensors_;  // layer -1: global
};

}  // namespace shoptalk::test::oracle
