// GGUF writer: metadata and tensors in insertion order, alignment honoured (docs/formats.md).
// Tensor data is streamed: each tensor is produced row chunk by row chunk while writing, so a
// multi-gigabyte file is written without holding the model in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/gguf.h"
#include "shoptalk/result.hpp"

namespace shoptalk::gguf {

// An owned metadata value.
struct MetaValue {
  ValueType type = ValueType::UINT8;
  ValueType element_type = ValueType::UINT8;  // arrays only
  uint64_t count = 1;                         // elements; 1 for a scalar
  std::vector<uint8_t> bytes;                 // little-endian payload of numeric values
  std::vector<std::string> strings;           // a string, or a string array's elements

  static MetaValue u8(uint8_t v);
  static MetaValue i8(int8_t v);
  static MetaValue u16(uint16_t v);
  static MetaValue i16(int16_t v);
  static MetaValue u32(uint32_t v);
  static MetaValue i32(int32_t v);
  static MetaValue u64(uint64_t v);
  static MetaValue i64(int64_t v);
  static MetaValue f32(float v);
  static MetaValue f64(double v);
  static MetaValue boolean(bool v);
  static MetaValue string(std::string v);
  static MetaValue string_array(std::vector<std::string> v);
  // `count` elements of a scalar type, read from `data` (little-endian host layout).
  static MetaValue numeric_array(ValueType element_type, const void* data, uint64_t count);
  static MetaValue i32_array(const std::vector<int32_t>& v);
  static MetaValue f32_array(const std::vector<float>& v);
};

// Produces rows [first_row, first_row + n_rows) of a tensor into dst (row-major, ggml layout).
using RowFill = std::function<Status(int64_t first_row, int64_t n_rows, uint8_t* dst)>;

class Writer {
 public:
  void set_version(uint32_t version) { version_ = version; }
  // Adds or replaces a key (a replaced key keeps its position).
  void set(const std::string& key, MetaValue value);
  // A tensor whose bytes are at `data` (must stay valid until written). ne[0] is contiguous.
  Status add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne,
                    const void* data);
  // A tensor produced on demand while writing.
  Status add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne, RowFill fill);

  Status write_file(const std::string& path) const;
  Result<std::vector<uint8_t>> write_memory() const;

  // Total file size the writer will produce.
  uint64_t file_size() const;

 private:
  struct Tensor {
    std::string name;
    GgmlType type;
    std::vector<int64_t> ne;
    uint64_t nbytes;
    uint64_t row_bytes;
    int64_t n_rows;
    RowFill fill;
  };
  class Sink;
  Status write(Sink& sink) const;
  uint32_t alignment() const;
  uint64_t header_size() const;

  uint32_t version_ = 3;
  std::vector<std::pair<std::string, MetaValue>> metadata_;
  std::vector<Tensor> tensors_;
};

}  // namespace shoptalk::gguf
