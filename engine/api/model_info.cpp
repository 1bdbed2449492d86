#include "engine/api/model_info.h"

#include <map>

#include "formats/quant_table.h"

namespace shoptalk::api {

std::vector<std::pair<std::string, uint64_t>> bytes_per_type(const gguf::GgufFile& file) {
  std::map<std::string, uint64_t> totals;
  for (const gguf::TensorInfo& t : file.tensors()) totals[quant_type_info(t.type).name] += t.nbytes;
  return {totals.begin(), totals.end()};
}

ModelInfo describe_model(const gguf::GgufFile& file, const engine::ArchSpec& spec,
                         const engine::HParams& hp) {
  ModelInfo info;
  info.architecture = std::string(spec.name);
  info.name = std::string(file.get_string_or("general.name", "").value_or(""));
  info.n_vocab = static_cast<int>(hp.n_vocab);
  info.n_embd = static_cast<int>(hp.n_embd);
  info.n_layer = static_cast<int>(hp.n_layer);
  info.n_head = static_cast<int>(hp.n_head);
  info.n_head_kv = static_cast<int>(hp.n_head_kv);
  info.head_dim = static_cast<int>(hp.head_dim);
  info.n_ff = static_cast<int>(hp.n_ff);
  info.n_rot = static_cast<int>(hp.n_rot);
  info.context_train = static_cast<int>(hp.n_ctx_train);
  info.rope_base = hp.rope_freq_base;
  info.rms_eps = hp.rms_eps;
  info.pooling = static_cast<Pooling>(hp.pooling);
  const auto token_id = [&](const char* key) {
    const auto id = file.get_u32(key);
    return id && *id < hp.n_vocab ? static_cast<Token>(*id) : Token{-1};
  };
  info.bos = token_id("tokenizer.ggml.bos_token_id");
  info.eos = token_id("tokenizer.ggml.eos_token_id");
  const engine::TensorSpec* output = spec.find(engine::TensorRole::kOutput);
  const bool tied = !output || file.find_tensor(output->name) == nullptr;
  const std::string_view embd_name = spec.find(engine::TensorRole::kTokenEmbd)->name;
  for (const gguf::TensorInfo& t : file.tensors()) {
    info.n_params += static_cast<uint64_t>(t.n_elements());
    if (tied || t.name != embd_name) info.weight_bytes_per_token += t.nbytes;
  }
  info.type_bytes = bytes_per_type(file);
  return info;
}

}  // namespace shoptalk::api
