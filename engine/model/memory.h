// Memory a model and a session occupy, by category; computable before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/model/model.h"
#include "formats/ggml_type.h"
#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

struct MemoryReport {
  size_t weights = 0;   // tensor data: mapped in place, or packed copies of the same size whose
                        // mapped pages were released (weight_layout.h)
  size_t kv_cache = 0;  // one session's KV cache
  size_t scratch = 0;   // one session's working buffers
  size_t total() const { return weights + kv_cache + scratch; }
};

// How a session is set up, as far as its memory goes.
struct SessionShape {
  uint32_t n_ctx = 0;
  GgmlType kv_type = GgmlType::F16;
  uint32_t n_batch = 0;
  int n_threads = 1;
};

// Every working buffer of one session: the forward pass's (ForwardBuffers), each thread's kernel
// scratch, and the generation's (a token per position, the sampler's candidates). What a session
// allocates when it is created; nothing grows afterwards.
size_t session_scratch_bytes(const ScratchShape& shape, const SessionShape& session);

// What a session of this shape on `model` holds; `weights` is the model's.
MemoryReport session_memory(const Model& model, const SessionShape& session);

// What a model in `file`, run on `kernels`, plus one session of this shape will occupy. The
// file's hyper-parameters and KV type are validated as at load.
Result<MemoryReport> plan_memory(const gguf::GgufFile& file, const kernels::KernelTable& kernels,
                                 const SessionShape& session);

}  // namespace shoptalk::engine
