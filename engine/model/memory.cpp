#include "engine/model/memory.h"

#include <algorithm>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/kv_cache.h"
#include "engine/sampling/sampler.h"
#include "formats/quant_table.h"
#include "formats/try.h"
#include "kernels/matmul.h"

namespace shoptalk::engine {

size_t session_scratch_bytes(const ScratchShape& shape, const SessionShape& session) {
  const int64_t n_batch = std::min(session.n_batch, session.n_ctx);
  return ForwardBuffers::bytes_for(shape, n_batch) +
         static_cast<size_t>(std::max(session.n_threads, 1)) * shape.thread_scratch +
         size_t{session.n_ctx} * sizeof(int32_t) +
         Sampler::workspace_bytes(static_cast<int32_t>(shape.hp.n_vocab));
}

MemoryReport session_memory(const Model& model, const SessionShape& session) {
  MemoryReport report;
  report.weights = model.weight_bytes();
  report.kv_cache = KvCache::bytes_for(model.hparams(), session.n_ctx, session.kv_type);
  report.scratch = session_scratch_bytes(model.scratch_shape(), session);
  return report;
}

Result<MemoryReport> plan_memory(const gguf::GgufFile& file, const kernels::KernelTable& kernels,
                                 const SessionShape& session) {
  ST_ASSIGN_OR_RETURN(auto header, read_model_header(file));
  const ArchSpec& spec = *header.first;
  ScratchShape shape;
  shape.hp = header.second;
  ST_TRY(KvCache::check_type(kernels, shape.hp, session.kv_type));

  const gguf::TensorInfo* embd = file.find_tensor(spec.find(TensorRole::kTokenEmbd)->name);
  // Without an output projection the embedding table is also the output matrix (tied).
  const TensorSpec* output = spec.find(TensorRole::kOutput);
  const bool tied = !output || !file.find_tensor(output->name);
  shape.thread_scratch = kernels::attention_tile_scratch_bytes(shape.hp.head_dim);
  MemoryReport report;
  for (const gguf::TensorInfo& t : file.tensors()) {
    report.weights += t.nbytes;
    if (t.n_dims < 2 || (&t == embd && !tied)) continue;
    const kernels::TypeKernels& tk = kernels.types[static_cast<int>(t.type)];
    std::vector<GgmlType>& types = shape.activation_types;
    if (std::find(types.begin(), types.end(), tk.vec_dot_type) == types.end())
      types.push_back(tk.vec_dot_type);
    shape.thread_scratch =
        std::max(shape.thread_scratch, kernels::matmul_scratch_bytes(kernels, t.type, t.ne[0]));
  }
  // Layer 0's Q/K/V layout stands for every layer's.
  const TensorSpec* qkv = spec.find(TensorRole::kAttnQkv);
  shape.fused_qkv = qkv && loads_tensor(file, spec, *qkv, 0);
  shape.fused_gate_up = spec.fused_gate_up();
  if (embd) {
    const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(embd->type));
    if (info && info->block_size > 0) shape.embed_row_bytes = row_size(*info, embd->ne[0]);
  }
  report.kv_cache = KvCache::bytes_for(shape.hp, session.n_ctx, session.kv_type);
  report.scratch = session_scratch_bytes(shape, session);
  return report;
}

}  // namespace shoptalk::engine
