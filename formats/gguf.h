// GGUF container: metadata value types and the validated, zero-copy reader (docs/formats.md).
//
// GgufFile::open checks the whole file before returning (header, every key/value record, every
// tensor-info record, alignment, sequential offsets, data bounds); a bad file gives an Error that
// names the offset and the field. After that, every view it hands out points into the mapping.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "formats/ggml_type.h"
#include "formats/mapped_file.h"
#include "shoptalk/result.hpp"

namespace shoptalk::gguf {

enum class ValueType : int32_t {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
};
inline constexpr int32_t kValueTypeCount = 13;

const char* value_type_name(ValueType type);
// Bytes of one scalar of the type; 0 for STRING and ARRAY (variable length).
size_t value_type_size(ValueType type);

inline constexpr uint32_t kDefaultAlignment = 32;
inline constexpr size_t kMaxTensorNameLength = 63;
inline constexpr uint64_t kMaxStringLength = uint64_t{1} << 30;
inline constexpr uint64_t kMaxArrayElements = uint64_t{1} << 30;

// One metadata record, viewed in place.
struct KeyValue {
  std::string_view key;
  ValueType type;                         // ARRAY for arrays
  ValueType element_type;                 // arrays only (never ARRAY)
  uint64_t count = 1;                     // number of elements; 1 for a scalar
  const uint8_t* data = nullptr;          // little-endian payload of scalars and numeric arrays
  std::vector<std::string_view> strings;  // the string, or the elements of a string array
  uint64_t offset = 0;                    // file offset of the record, for messages

  bool is_array() const { return type == ValueType::ARRAY; }
  // Element i of a numeric scalar or array, widened; the caller checks the type first.
  double number_at(uint64_t i) const;
};

struct TensorInfo {
  std::string_view name;
  GgmlType type;
  int n_dims = 0;
  int64_t ne[4] = {1, 1, 1, 1};  // ne[0] is the contiguous dimension
  uint64_t offset = 0;           // relative to the data section
  uint64_t nbytes = 0;
  const uint8_t* data = nullptr;  // into the mapping
  uint64_t info_offset = 0;       // file offset of the tensor-info record, for messages

  int64_t n_elements() const { return ne[0] * ne[1] * ne[2] * ne[3]; }
  int64_t n_rows() const { return ne[1] * ne[2] * ne[3]; }
};

class GgufFile {
 public:
  static Result<GgufFile> open(const std::string& path);
  // Parses a GGUF image held by the caller (kept alive and unchanged while in use).
  static Result<GgufFile> from_memory(const void* data, size_t size);

  uint32_t version() const { return version_; }
  uint32_t alignment() const { return alignment_; }
  uint64_t data_offset() const { return data_offset_; }
  const MappedFile& file() const { return file_; }

  const std::vector<KeyValue>& metadata() const { return metadata_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const KeyValue* find(std::string_view key) const;
  const TensorInfo* find_tensor(std::string_view name) const;

  // Typed getters: an Error when the key is missing or holds another type.
  Result<uint32_t> get_u32(std::string_view key) const;
  Result<int32_t> get_i32(std::string_view key) const;
  Result<uint64_t> get_u64(std::string_view key) const;
  Result<float> get_f32(std::string_view key) const;
  Result<bool> get_bool(std::string_view key) const;
  Result<std::string_view> get_string(std::string_view key) const;
  Result<const std::vector<std::string_view>*> get_string_array(std::string_view key) const;
  Result<std::vector<int32_t>> get_i32_array(std::string_view key) const;
  Result<std::vector<float>> get_f32_array(std::string_view key) const;
  // Any unsigned or signed integer scalar, range-checked into uint32 (lenient variant).
  Result<uint32_t> get_uint(std::string_view key) const;

  // Once everything the metadata is read for has copied what it keeps (a tokenizer, its
  // vocabulary): frees the parsed string arrays and takes the mapped pages of the key/value
  // section out of resident memory. Other values stay readable (their pages are mapped again
  // when read); a released string array is an Error.
  void release_metadata();

  // The same, but a missing key gives `fallback`; a present key of the wrong type is still an
  // Error.
  Result<uint32_t> get_u32_or(std::string_view key, uint32_t fallback) const;
  Result<float> get_f32_or(std::string_view key, float fallback) const;
  Result<bool> get_bool_or(std::string_view key, bool fallback) const;
  Result<std::string_view> get_string_or(std::string_view key, std::string_view fallback) const;

 private:
  friend class Parser;
  Result<const KeyValue*> typed(std::string_view key, ValueType type) const;

  MappedFile file_;
  uint32_t version_ = 0;
  uint32_t alignment_ = kDefaultAlignment;
  uint64_t data_offset_ = 0;
  std::vector<KeyValue> metadata_;
  std::vector<TensorInfo> tensors_;
  std::unordered_map<std::string_view, size_t> key_index_;
  std::unordered_map<std::string_view, size_t> tensor_index_;
  bool metadata_released_ = false;
};

}  // namespace shoptalk::gguf
