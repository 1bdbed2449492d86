#include "engine/synth/quant_mix.h"

#include <cctype>
#include <optional>
#include <string>

#include "formats/quant_table.h"

namespace shoptalk::synth {

namespace {

using T = GgmlType;

const std::vector<QuantPreset> kQuantPresets = {
    {FileType::kF32, "f32", T::F32},          {FileType::kF16, "f16", T::F16},
    {FileType::kBF16, "bf16", T::BF16},       {FileType::kQ8_0, "q8_0", T::Q8_0},
    {FileType::kQ4_0, "q4_0", T::Q4_0},       {FileType::kQ4_1, "q4_1", T::Q4_1},
    {FileType::kQ5_0, "q5_0", T::Q5_0},       {FileType::kQ5_1, "q5_1", T::Q5_1},
    {FileType::kQ2_K, "q2_k", T::Q2_K},       {FileType::kQ3_K_S, "q3_k_s", T::Q3_K},
    {FileType::kQ3_K_M, "q3_k_m", T::Q3_K},   {FileType::kQ3_K_L, "q3_k_l", T::Q3_K},
    {FileType::kQ4_K_S, "q4_k_s", T::Q4_K},   {FileType::kQ4_K_M, "q4_k_m", T::Q4_K},
    {FileType::kQ5_K_S, "q5_k_s", T::Q5_K},   {FileType::kQ5_K_M, "q5_k_m", T::Q5_K},
    {FileType::kQ6_K, "q6_k", T::Q6_K},       {FileType::kIQ4_NL, "iq4_nl", T::IQ4_NL},
    {FileType::kIQ4_XS, "iq4_xs", T::IQ4_XS},
};

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

int block_size(GgmlType type) {
  return quant_type_info(type).block_size;
}

bool is_quantized(GgmlType type) {
  return type != T::F32 && type != T::F16 && type != T::BF16;
}

// The output projection (and token_embd when tied): Q6_K unless the base is Q8_0 or the row does
// not fit the base's blocks.
GgmlType output_type(GgmlType base, int64_t row_length) {
  if (row_length % block_size(base) != 0) return T::Q8_0;
  return base == T::Q8_0 ? base : T::Q6_K;
}

// attn_v, and attn_qkv which is treated like it.
GgmlType value_type(FileType ft, GgmlType base, const TensorSite& s) {
  switch (ft) {
    case FileType::kQ2_K:
      return s.n_gqa >= 4 ? T::Q4_K : T::Q3_K;
    case FileType::kQ3_K_M:
      return s.index < 2 ? T::Q5_K : T::Q4_K;
    case FileType::kQ3_K_L:
      return T::Q5_K;
    case FileType::kIQ4_NL:
    case FileType::kIQ4_XS:
      return s.n_gqa >= 4 ? T::Q5_K : base;
    case FileType::kQ4_K_M:
    case FileType::kQ5_K_M:
      return use_more_bits(s.index, s.count) ? T::Q6_K : base;
    case FileType::kQ4_K_S:
      return s.index < 4 ? T::Q5_K : base;
    default:
      return base;
  }
}

GgmlType ffn_down_type(FileType ft, GgmlType base, const TensorSite& s) {
  switch (ft) {
    case FileType::kQ2_K:
      return T::Q3_K;
    case FileType::kQ3_K_M:
      return s.index < s.count / 16 ? T::Q5_K : T::Q4_K;
    case FileType::kQ3_K_L:
      return T::Q5_K;
    case FileType::kQ4_K_M:
    case FileType::kQ5_K_M:
      return use_more_bits(s.index, s.count) ? T::Q6_K : base;
    case FileType::kQ4_K_S:
    case FileType::kIQ4_NL:  // without an importance matrix
    case FileType::kIQ4_XS:
      return s.index < s.count / 8 ? T::Q5_K : base;
    default:
      return base;
  }
}

GgmlType attn_output_type(FileType ft, GgmlType base) {
  switch (ft) {
    case FileType::kQ2_K:
      return T::Q3_K;
    case FileType::kQ3_K_M:
      return T::Q4_K;
    case FileType::kQ3_K_L:
      return T::Q5_K;
    default:
      return base;
  }
}

// A type for rows the chosen type's blocks do not fit (docs/formats.md, shape fallback).
std::optional<GgmlType> fallback_type(GgmlType chosen) {
  switch (chosen) {
    case T::IQ4_XS:
      return T::IQ4_NL;
    case T::Q2_K:
    case T::Q3_K:
      return T::Q4_0;
    case T::Q4_K:
      return T::Q5_0;
    case T::Q5_K:
      return T::Q5_1;
    case T::Q6_K:
      return T::Q8_0;
    default:
      return std::nullopt;
  }
}

}  // namespace

const std::vector<QuantPreset>& quant_presets() {
  return kQuantPresets;
}

const QuantPreset* find_quant_preset(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const QuantPreset& p : kQuantPresets)
    if (lower == p.name) return &p;
  return nullptr;
}

TensorCategory tensor_category(std::string_view name) {
  if (name == "output.weight") return TensorCategory::kOutput;
  if (name == "token_embd.weight") return TensorCategory::kTokenEmbd;
  if (contains(name, "attn_qkv.weight")) return TensorCategory::kAttnQkv;
  if (contains(name, "attn_v.weight")) return TensorCategory::kAttnV;
  if (contains(name, "attn_k.weight")) return TensorCategory::kAttnK;
  if (contains(name, "attn_q.weight")) return TensorCategory::kAttnQ;
  if (contains(name, "attn_output.weight")) return TensorCategory::kAttnOutput;
  if (contains(name, "ffn_up")) return TensorCategory::kFfnUp;
  if (contains(name, "ffn_gate")) return TensorCategory::kFfnGate;
  if (contains(name, "ffn_down")) return TensorCategory::kFfnDown;
  return TensorCategory::kOther;
}

bool is_quantizable(std::string_view name, int n_dims) {
  const std::string_view suffix = "weight";
  const bool is_weight =
      name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  return n_dims >= 2 && is_weight && !contains(name, "_norm.weight") &&
         !contains(name, "ffn_gate_inp.weight");
}

bool use_more_bits(int index, int count) {
  return index < count / 8 || index >= 7 * count / 8 || (index - count / 8) % 3 == 2;
}

Result<GgmlType> quantized_tensor_type(FileType preset, const TensorSite& site) {
  const QuantPreset* entry = nullptr;
  for (const QuantPreset& p : kQuantPresets)
    if (p.file_type == preset) entry = &p;
  if (!entry) return Error(ErrorCode::kInvalidArgument, "unknown file type");
  const GgmlType base = entry->base;
  if (!is_quantized(base)) return base;

  GgmlType chosen = base;
  const bool acts_as_output =
      site.category == TensorCategory::kOutput ||
      (site.category == TensorCategory::kTokenEmbd && !site.has_output_tensor);
  if (acts_as_output) {
    chosen = output_type(base, site.row_length);
  } else if (site.category == TensorCategory::kAttnV || site.category == TensorCategory::kAttnQkv) {
    chosen = value_type(preset, base, site);
  } else if (site.category == TensorCategory::kFfnDown) {
    chosen = ffn_down_type(preset, base, site);
  } else if (site.category == TensorCategory::kAttnOutput) {
    chosen = attn_output_type(preset, base);
  }

  if (site.row_length % block_size(chosen) == 0) return chosen;
  const std::optional<GgmlType> fallback = fallback_type(chosen);
  if (!fallback)
    return Error(ErrorCode::kInvalidArgument,
                 "row length " + std::to_string(site.row_length) + " is not a multiple of the " +
                     std::to_string(block_size(chosen)) + "-element blocks of " +
                     quant_type_info(chosen).name + " and that type has no fallback");
  if (site.row_length % block_size(*fallback) == 0) return *fallback;
  return T::F16;
}

}  // namespace shoptalk::synth
