// Random tensor data for synthetic models, produced row by row while the GGUF is written.
// Fast mode copies rows from a small pool of random rows quantized once per (type, row length), so
// any model size costs about a memcpy per byte; exact mode quantizes every row from its own random
// floats (slow, for numerical tests). Either way the bytes depend only on the seed and the tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "engine/synth/tensor_plan.h"
#include "formats/gguf_writer.h"

namespace shoptalk::synth {

class WeightSource {
 public:
  WeightSource(uint64_t seed, bool exact);

  // Fills rows of `tensor` (matrices from the pool unless exact; norms and rope factors always
  // computed). The fills share this source's pool and are called one at a time by the writer.
  gguf::RowFill row_fill(const PlannedTensor& tensor) const;

 private:
  using PoolKey = std::pair<GgmlType, int64_t>;  // type, row length
  using Pools = std::map<PoolKey, std::vector<uint8_t>>;

  uint64_t seed_;
  bool exact_;
  std::shared_ptr<Pools> pools_;
};

}  // namespace shoptalk::synth
