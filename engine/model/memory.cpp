#include "engine/model/memory.h"

#include <algorithm>
#include <vector>

#include "engine/model/forward.h"
#include "engine/model/kv_cache.h"
#include "engine/model/model.h"
#include "formats/try.h"

namespace shoptalk::engine {

Result<MemoryReport> plan_memory(const gguf::GgufFile& file, uint32_t n_ctx, GgmlType kv_type,
                                 uint32_t n_batch) {
  ST_ASSIGN_OR_RETURN(auto header, read_model_header(file));
  const ArchSpec& spec = *header.first;
  const HParams& hp = header.second;
  const kernels::KernelTable& kernels = kernels::scalar_kernels();
  ST_TRY(KvCache::check_type(kernels, hp, kv_type));

  MemoryReport report;
  std::vector<GgmlType> activation_types;
  for (const gguf::TensorInfo& t : file.tensors()) {
    report.weights += t.nbytes;
    if (t.n_dims < 2) continue;
    const GgmlType act = kernels.types[static_cast<int>(t.type)].vec_dot_type;
    if (std::find(activation_types.begin(), activation_types.end(), act) == activation_types.end())
      activation_types.push_back(act);
  }
  // Layer 0's Q/K/V layout stands for every layer's.
  const TensorSpec* qkv = spec.find(TensorRole::kAttnQkv);
  const bool fused_qkv = qkv && loads_tensor(file, spec, *qkv, 0);
  report.kv_cache = KvCache::bytes_for(hp, n_ctx, kv_type);
  report.scratch = ForwardBuffers::bytes_for(hp, fused_qkv, spec.fused_gate_up(), activation_types,
                                             std::min(n_batch, n_ctx));
  return report;
}

}  // namespace shoptalk::engine
