#include "engine/synth/tensor_plan.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <tuple>

#include "engine/model/hparams.h"
#include "formats/quant_table.h"

namespace shoptalk::synth {

namespace {

// llama.cpp's tensor order: tensors outside the blocks first, then block by block in layer
// order, by name within each group.
int64_t layer_of(const std::string& name) {
  const std::string prefix = "blk.";
  if (name.compare(0, prefix.size(), prefix) != 0) return -1;
  return std::strtoll(name.c_str() + prefix.size(), nullptr, 10);
}

// Whether the converter writes an optional tensor of the spec for this shape.
bool writes_optional(engine::TensorRole role, const ModelShape& s) {
  switch (role) {
    case engine::TensorRole::kRopeFactorsLong:
    case engine::TensorRole::kRopeFactorsShort:
      return s.longrope;
    case engine::TensorRole::kRopeFreqs:
      return s.llama3_rope.factor > 0.0f;
    case engine::TensorRole::kOutput:
      return !s.tied_embeddings;
    default:
      return false;
  }
}

// The converter's Llama-3 factors: per rotated pair, 1 for short wavelengths, `factor` for long
// ones and a smooth mix between, computed in float32 as it does (docs/models.md).
std::vector<float> llama3_rope_freqs(const ModelShape& s) {
  const Llama3Rope& r = s.llama3_rope;
  const float context = static_cast<float>(r.original_context);
  std::vector<float> out;
  for (int64_t i = 0; i < s.n_rot; i += 2) {
    const float freq =
        1.0f / std::pow(s.rope_freq_base, static_cast<float>(i) / static_cast<float>(s.n_rot));
    const float wavelen = 6.2831853071795864769f / freq;
    if (wavelen < context / r.high_freq_factor) {
      out.push_back(1.0f);
    } else if (wavelen > context / r.low_freq_factor) {
      out.push_back(r.factor);
    } else {
      const float smooth =
          (context / wavelen - r.low_freq_factor) / (r.high_freq_factor - r.low_freq_factor);
      out.push_back(1.0f / ((1.0f - smooth) / r.factor + smooth));
    }
  }
  return out;
}

engine::HParams hparams_of(const ModelShape& s) {
  engine::HParams hp;
  hp.n_vocab = static_cast<uint32_t>(s.n_vocab);
  hp.n_embd = static_cast<uint32_t>(s.n_embd);
  hp.n_layer = static_cast<uint32_t>(s.n_layer);
  hp.n_head = static_cast<uint32_t>(s.n_head);
  hp.n_head_kv = static_cast<uint32_t>(s.n_head_kv);
  hp.head_dim = static_cast<uint32_t>(s.head_dim);
  hp.n_ff = static_cast<uint32_t>(s.n_ff);
  hp.n_rot = static_cast<uint32_t>(s.n_rot);
  return hp;
}

std::vector<PlannedTensor> tensor_list(const ModelShape& s, const engine::ArchSpec& spec) {
  const engine::HParams hp = hparams_of(s);
  std::vector<PlannedTensor> list;
  for (const engine::TensorSpec& t : spec.tensors) {
    if (t.presence == engine::Presence::kAlternative) continue;
    if (t.presence == engine::Presence::kOptional && !writes_optional(t.role, s)) continue;
    PlannedTensor planned;
    for (int d = 0; d < t.shape.n_dims; ++d) planned.ne.push_back(dim_size(t.shape.ne[d], hp));
    planned.init = t.init;
    if (t.init == engine::TensorInit::kRopeFreqs) planned.values = llama3_rope_freqs(s);
    for (int64_t L = 0; L < (t.per_layer() ? s.n_layer : 1); ++L) {
      planned.name = t.name_in(L);
      list.push_back(planned);
    }
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
