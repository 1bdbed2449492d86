// llama-quantize's per-tensor type choice (docs/formats.md): a file-type preset gives a
// base type, which each weight matrix then adjusts by its category, its position among the tensors
// of that category, the model's GQA ratio and its row length. Pure functions of those inputs, so a
// quantize command can reuse them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "formats/ggml_type.h"
#include "shoptalk/result.hpp"

namespace shoptalk::synth {

// llama_ftype values (docs/formats.md) of the presets shoptalk can produce.
enum class FileType : uint32_t {
  kF32 = 0,
  kF16 = 1,
  kQ4_0 = 2,
  kQ4_1 = 3,
  kQ8_0 = 7,
  kQ5_0 = 8,
  kQ5_1 = 9,
  kQ2_K = 10,
  kQ3_K_S = 11,
  kQ3_K_M = 12,
  kQ3_K_L = 13,
  kQ4_K_S = 14,
  kQ4_K_M = 15,
  kQ5_K_S = 16,
  kQ5_K_M = 17,
  kQ6_K = 18,
  kIQ4_NL = 25,
  kIQ4_XS = 30,
  kBF16 = 32,
};

struct QuantPreset {
  FileType file_type = FileType::kF32;
  const char* name = "f32";       // as llama-quantize spells it, lower case: "q4_k_m"
  GgmlType base = GgmlType::F32;  // the type most weight matrices get
};

const std::vector<QuantPreset>& quant_presets();
const QuantPreset* find_quant_preset(std::string_view name);  // case-insensitive

// What a tensor is, from its name.
enum class TensorCategory {
  kTokenEmbd,
  kOutput,
  kAttnQ,
  kAttnK,
  kAttnV,
  kAttnQkv,
  kAttnOutput,
  kFfnGate,
  kFfnUp,
  kFfnDown,
  kOther,
};

TensorCategory tensor_category(std::string_view name);

// Whether llama-quantize changes a tensor's type at all: weights of two or more dimensions
// that are not norms. Everything else keeps its converted type (F32 for these models).
bool is_quantizable(std::string_view name, int n_dims);

// Where a quantizable tensor sits in its file.
struct TensorSite {
  TensorCategory category = TensorCategory::kOther;
  int index = 0;  // running index among the file's tensors of this category (= the layer here)
  int count = 1;  // number of tensors of this category in the file (= block_count here)
  int n_gqa = 1;  // n_head / n_head_kv
  int64_t row_length = 0;          // ne[0]
  bool has_output_tensor = false;  // false: embeddings are tied and token_embd acts as the output
};

// llama-quantize's `use_more_bits`: the first and last eighth of the layers and every third one in
// between.
bool use_more_bits(int index, int count);

// The type llama-quantize gives a quantizable tensor under `preset`, shape fallbacks included. An
// Error when the row length fits neither the chosen type nor any fallback.
Result<GgmlType> quantized_tensor_type(FileType preset, const TensorSite& site);

}  // namespace shoptalk::synth
