#include "engine/synth/tensor_plan.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <tuple>

#include "engine/model/arch_spec.h"
#include "formats/quant_table.h"

namespace shoptalk::synth {

namespace {

// A per-layer name pattern ("blk.%d.attn_q.weight") for layer `layer`.
std::string layer_name(const char* pattern, int64_t layer) {
  std::string name = pattern;
  const size_t at = name.find("%d");
  return name.replace(at, 2, std::to_string(layer));
}

// llama.cpp's tensor order: tensors outside the blocks first, then block by block in layer
// order, by name within each group.
int64_t layer_of(const std::string& name) {
  const std::string prefix = "blk.";
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  return std::strtoll(name.c_str() + prefix.size(), nullptr, 10);
}

std::vector<PlannedTensor> tensor_list(const ModelShape& s, const engine::ArchSpec& spec) {
  const engine::TensorNames& n = spec.tensors;
  std::vector<PlannedTensor> list;
  auto add = [&list](std::string name, std::vector<int64_t> ne, WeightInit init) {
    PlannedTensor t;
    t.name = std::move(name);
    t.ne = std::move(ne);
    t.init = init;
    list.push_back(std::move(t));
  };
  add(n.token_embd, {s.n_embd, s.n_vocab}, WeightInit::kMatrix);
  add(n.output_norm, {s.n_embd}, WeightInit::kNorm);
  if (spec.longrope && s.rope_original_context > 0) {
    add(n.rope_factors_long, {s.n_rot / 2}, WeightInit::kRopeFactorsLong);
    add(n.rope_factors_short, {s.n_rot / 2}, WeightInit::kRopeFactorsShort);
  }
  for (int64_t L = 0; L < s.n_layer; ++L) {
    add(layer_name(n.attn_norm, L), {s.n_embd}, WeightInit::kNorm);
    if (spec.fused_qkv) {
      add(layer_name(n.attn_qkv, L), {s.n_embd, s.n_embd_q() + 2 * s.n_embd_kv()},
          WeightInit::kMatrix);
    } else {
      add(layer_name(n.attn_q, L), {s.n_embd, s.n_embd_q()}, WeightInit::kMatrix);
      add(layer_name(n.attn_k, L), {s.n_embd, s.n_embd_kv()}, WeightInit::kMatrix);
      add(layer_name(n.attn_v, L), {s.n_embd, s.n_embd_kv()}, WeightInit::kMatrix);
    }
    if (spec.qk_norm) {
      add(layer_name(n.attn_q_norm, L), {s.head_dim}, WeightInit::kNorm);
      add(layer_name(n.attn_k_norm, L), {s.head_dim}, WeightInit::kNorm);
    }
    add(layer_name(n.attn_output, L), {s.n_embd_q(), s.n_embd}, WeightInit::kMatrix);
    add(layer_name(n.ffn_norm, L), {s.n_embd}, WeightInit::kNorm);
    if (spec.fused_gate_up) {
      add(layer_name(n.ffn_up, L), {s.n_embd, 2 * s.n_ff}, WeightInit::kMatrix);
    } else {
      add(layer_name(n.ffn_gate, L), {s.n_embd, s.n_ff}, WeightInit::kMatrix);
      add(layer_name(n.ffn_up, L), {s.n_embd, s.n_ff}, WeightInit::kMatrix);
    }
    add(layer_name(n.ffn_down, L), {s.n_ff, s.n_embd}, WeightInit::kMatrix);
  }
  std::stable_sort(list.begin(), list.end(), [](const PlannedTensor& a, const PlannedTensor& b) {
    return std::make_tuple(layer_of(a.name), a.name) < std::make_tuple(layer_of(b.name), b.name);
  });
  return list;
}

}  // namespace

int64_t PlannedTensor::rows() const {
  int64_t r = 1;
  for (size_t i = 1; i < ne.size(); ++i) r *= ne[i];
  return r;
}

uint64_t PlannedTensor::data_bytes() const {
  return row_size(quant_type_info(type), ne[0]) * static_cast<uint64_t>(rows());
}

Result<std::vector<PlannedTensor>> plan_tensors(const ModelShape& shape, FileType file_type) {
  const engine::ArchSpec* spec = engine::find_arch_spec(shape.architecture);
  if (!spec)
    return Error(ErrorCode::kInvalidArgument,
                 "synth: unknown architecture '" + shape.architecture + "'");
  std::vector<PlannedTensor> list = tensor_list(shape, *spec);

  std::map<TensorCategory, int> count;
  bool has_output = false;
  for (const PlannedTensor& t : list) {
    if (is_quantizable(t.name, static_cast<int>(t.ne.size()))) ++count[tensor_category(t.name)];
    has_output = has_output || tensor_category(t.name) == TensorCategory::kOutput;
  }
  std::map<TensorCategory, int> seen;
  for (PlannedTensor& t : list) {
    if (!is_quantizable(t.name, static_cast<int>(t.ne.size()))) {
      t.type = GgmlType::F32;
      continue;
    }
    TensorSite site;
    site.category = tensor_category(t.name);
    site.index = seen[site.category]++;
    site.count = count[site.category];
    site.n_gqa = static_cast<int>(shape.n_head / shape.n_head_kv);
    site.row_length = t.ne[0];
    site.has_output_tensor = has_output;
    Result<GgmlType> type = quantized_tensor_type(file_type, site);
    if (!type)
      return Error(ErrorCode::kInvalidArgument, "synth: " + t.name + ": " + type.error().message());
    t.type = *type;
  }
  return list;
}

}  // namespace shoptalk::synth
