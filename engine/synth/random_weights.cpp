#include "engine/synth/random_weights.h"

#include <cstring>
#include <string>

#include "engine/synth/random.h"
#include "formats/quant_table.h"

namespace shoptalk::synth {

namespace {

using engine::TensorInit;

constexpr int64_t kPoolRows = 128;
constexpr float kMatrixStd = 0.02f;
constexpr float kNormStd = 0.1f;
constexpr float kBiasStd = 0.1f;

// One row of float values of a tensor made up by `init` (`planned`: the values of a kRopeFreqs
// tensor).
void make_row(TensorInit init, const std::vector<float>& planned, Rng& rng, float* out, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    // LongRoPE factors rise smoothly from 1 (short: to 1.25, long: to 40) like the real lists.
    const float ramp = n > 1 ? static_cast<float>(i) / static_cast<float>(n - 1) : 0.0f;
    switch (init) {
      case TensorInit::kMatrix:
        out[i] = kMatrixStd * rng.gaussian();
        break;
      case TensorInit::kNorm:
        out[i] = 1.0f + kNormStd * rng.gaussian();
        break;
      case TensorInit::kBias:
        out[i] = kBiasStd * rng.gaussian();
        break;
      case TensorInit::kRopeFactorsShort:
        out[i] = 1.0f + 0.25f * ramp * ramp;
        break;
      case TensorInit::kRopeFactorsLong:
        out[i] = 1.0f + 39.0f * ramp * ramp;
        break;
      case TensorInit::kRopeFreqs:
        out[i] = planned[static_cast<size_t>(i)];
        break;
    }
  }
}

Status check_quantizer(const QuantTypeInfo& info) {
  if (info.quantize_row) return {};
  return Error(ErrorCode::kUnsupported,
               std::string("synth: shoptalk cannot produce tensors of type ") + info.name);
}

}  // namespace

WeightSource::WeightSource(uint64_t seed, bool exact)
    : seed_(seed), exact_(exact), pools_(std::make_shared<Pools>()) {}

gguf::RowFill WeightSource::row_fill(const PlannedTensor& tensor) const {
  const QuantTypeInfo& info = quant_type_info(tensor.type);
  const int64_t n = tensor.ne[0];
  const size_t row_bytes = row_size(info, n);
  const uint64_t tensor_seed = derive_seed(seed_, name_hash(tensor.name));
  const TensorInit init = tensor.init;

  if (exact_ || init != TensorInit::kMatrix) {
    return [&info, n, row_bytes, tensor_seed, init, planned = tensor.values](
               int64_t first, int64_t count, uint8_t* dst) {
      if (Status st = check_quantizer(info); !st) return st;
      std::vector<float> values(static_cast<size_t>(n));
      for (int64_t r = 0; r < count; ++r) {
        Rng rng(derive_seed(tensor_seed, static_cast<uint64_t>(first + r)));
        make_row(init, planned, rng, values.data(), n);
        info.quantize_row(values.data(), dst + static_cast<size_t>(r) * row_bytes, n);
      }
      return Status{};
    };
  }

  const PoolKey key{tensor.type, n};
  const uint64_t pool_seed =
      derive_seed(seed_, (static_cast<uint64_t>(tensor.type) << 48) ^ static_cast<uint64_t>(n));
  std::shared_ptr<Pools> pools = pools_;
  return [&info, n, row_bytes, tensor_seed, key, pool_seed, pools](int64_t first, int64_t count,
                                                                   uint8_t* dst) {
    std::vector<uint8_t>& pool = (*pools)[key];
    if (pool.empty()) {
      if (Status st = check_quantizer(info); !st) return st;
      pool.resize(row_bytes * kPoolRows);
      std::vector<float> values(static_cast<size_t>(n));
      Rng rng(pool_seed);
      for (int64_t r = 0; r < kPoolRows; ++r) {
        make_row(TensorInit::kMatrix, {}, rng, values.data(), n);
        info.quantize_row(values.data(), pool.data() + static_cast<size_t>(r) * row_bytes, n);
      }
    }
    for (int64_t r = 0; r < count; ++r) {
      const uint64_t pick = derive_seed(tensor_seed, static_cast<uint64_t>(first + r)) % kPoolRows;
      std::memcpy(dst + static_cast<size_t>(r) * row_bytes, pool.data() + pick * row_bytes,
                  row_bytes);
    }
    return Status{};
  };
}

}  // namespace shoptalk::synth
