#include "engine/model/kv_cache.h"

#include <string>

#include "formats/quant_table.h"

namespace shoptalk::engine {

namespace {

// The cache writer: the kernel table's converter for activation types (F16, Q8_0 use the same
// rounding as llama.cpp's CPU backend), the reference quantizer for the others (Q4_0).
kernels::FromFloatFn writer_for(const kernels::KernelTable& kernels, GgmlType type) {
  if (kernels.from_float[static_cast<int>(type)]) return kernels.from_float[static_cast<int>(type)];
  return quant_type_info(type).quantize_row;
}

}  // namespace

Status KvCache::check_type(const kernels::KernelTable& kernels, const HParams& hp, GgmlType type) {
  const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(type));
  const kernels::TypeKernels& tk = kernels.types[static_cast<int>(type)];
  const bool usable = info && info->block_size > 0 && tk.vec_dot && tk.to_float &&
                      kernels.from_float[static_cast<int>(tk.vec_dot_type)] &&
                      writer_for(kernels, type);
  if (!usable)
    return Error(ErrorCode::kUnsupported, std::string("KV cache type ") +
                                              (info && info->name ? info->name : "unknown") +
                                              " is not supported (use f16, q8_0 or q4_0)");
  if (hp.head_dim % static_cast<uint32_t>(info->block_size) != 0)
    return Error(ErrorCode::kUnsupported, std::string("KV cache type ") + info->name +
                                              " needs a head size that is a multiple of " +
                                              std::to_string(info->block_size));
  return {};
}

size_t KvCache::bytes_for(const HParams& hp, uint32_t n_ctx, GgmlType type) {
  const size_t row = row_size(quant_type_info(type), hp.n_embd_kv());
  return row * n_ctx * 2 * hp.n_layer;
}

Result<KvCache> KvCache::create(const kernels::KernelTable& kernels, const HParams& hp,
                                uint32_t n_ctx, GgmlType type) {
  Status usable = check_type(kernels, hp, type);
  if (!usable) return usable.error();
  KvCache cache;
  cache.type_ = type;
  cache.n_ctx_ = n_ctx;
  cache.n_head_kv_ = hp.n_head_kv;
  cache.head_dim_ = hp.head_dim;
  cache.row_bytes_ = row_size(quant_type_info(type), hp.n_embd_kv());
  cache.head_bytes_ = row_size(quant_type_info(type), hp.head_dim);
  cache.bytes_ = bytes_for(hp, n_ctx, type);
  cache.convert_ = writer_for(kernels, type);
  cache.rotation_ = KvRotation(type, hp.head_dim);
  cache.data_.reset(static_cast<uint8_t*>(std::calloc(cache.bytes_, 1)));
  if (!cache.data_)
    return Error(ErrorCode::kOutOfMemory,
                 "cannot allocate a KV cache of " + std::to_string(cache.bytes_) + " bytes");
  return cache;
}

void KvCache::store(uint32_t layer, int64_t pos, const float* k, const float* v) {
  const size_t offset = static_cast<size_t>(pos) * head_bytes_;
  for (int64_t h = 0; h < n_head_kv_; ++h) {
    convert_(k + h * head_dim_, k_head(layer, h) + offset, head_dim_);
    convert_(v + h * head_dim_, v_head(layer, h) + offset, head_dim_);
  }
}

}  // namespace shoptalk::engine
