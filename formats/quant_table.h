// The quant-type table: one entry per ggml type id drives every place that needs to know a
// type's geometry or its reference (de)quantizer. Adding a type means adding one entry here
// (formats/quant_table.cpp) and its reference routines; nothing else switches on the type id.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "formats/ggml_type.h"

namespace shoptalk {

// Converts n elements (a multiple of the block size) of one row from the type to float32.
using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
// Reference quantizer: n floats (a multiple of the block size) to the type's blocks.
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);

struct QuantTypeInfo {
  GgmlType type;
  const char* name;  // ggml's type_name ("q4_K", "f16", ...); nullptr for removed ids
  int block_size;    // elements per block; 0 for removed ids (files using them are invalid)
  int type_size;     // bytes per block
  DequantizeRowFn dequantize_row;  // nullptr: shoptalk cannot read this type's values
  QuantizeRowFn quantize_row;      // nullptr: shoptalk cannot produce this type
};

// The entry for a type id, or nullptr for an id outside [0, kGgmlTypeCount).
const QuantTypeInfo* quant_type_info(int32_t type_id);
const QuantTypeInfo& quant_type_info(GgmlType type);

// Parses a type name case-insensitively ("Q4_K", "q8_0", "bf16").
std::optional<GgmlType> quant_type_from_name(std::string_view name);

// Bytes of one row of n elements (n must be a multiple of the block size).
inline size_t row_size(const QuantTypeInfo& info, int64_t n) {
  return static_cast<size_t>(n / info.block_size) * static_cast<size_t>(info.type_size);
}

}  // namespace shoptalk
