// Memory a model and a session occupy, by category; computable before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>

#include "formats/ggml_type.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct MemoryReport {
  size_t weights = 0;   // tensor data: mapped in place, or packed copies of the same size whose
                        // mapped pages were released (weight_layout.h)
  size_t kv_cache = 0;  // one session's KV cache
  size_t scratch = 0;   // one session's working buffers
  size_t total() const { return weights + kv_cache + scratch; }
};

// What a model in `file` plus one session of n_ctx positions with this KV type and batch size
// will occupy. The file's hyper-parameters and KV type are validated as at load.
Result<MemoryReport> plan_memory(const gguf::GgufFile& file, uint32_t n_ctx, GgmlType kv_type,
                                 uint32_t n_batch);

}  // namespace shoptalk::engine
