#include "formats/gguf.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "formats/quant_table.h"
#include "formats/try.h"

namespace shoptalk::gguf {

const char* value_type_name(ValueType type) {
  static constexpr const char* kNames[kValueTypeCount] = {
      "uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
      "bool",  "string", "array",  "uint64", "int64",  "float64"};
  const auto i = static_cast<int32_t>(type);
  return i >= 0 && i < kValueTypeCount ? kNames[i] : "invalid";
}

size_t value_type_size(ValueType type) {
  switch (type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::BOOL:
      return 1;
    case ValueType::UINT16:
    case ValueType::INT16:
      return 2;
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::FLOAT32:
      return 4;
    case ValueType::UINT64:
    case ValueType::INT64:
    case ValueType::FLOAT64:
      return 8;
    case ValueType::STRING:
    case ValueType::ARRAY:
      return 0;
  }
  return 0;
}

namespace {
template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

uint64_t pad_to(uint64_t x, uint64_t alignment) {
  return (x + alignment - 1) / alignment * alignment;
}
}  // namespace

double KeyValue::number_at(uint64_t i) const {
  const ValueType t = is_array() ? element_type : type;
  const uint8_t* p = data + i * value_type_size(t);
  switch (t) {
    case ValueType::UINT8:
      return load<uint8_t>(p);
    case ValueType::INT8:
      return load<int8_t>(p);
    case ValueType::UINT16:
      return load<uint16_t>(p);
    case ValueType::INT16:
      return load<int16_t>(p);
    case ValueType::UINT32:
      return load<uint32_t>(p);
    case ValueType::INT32:
      return load<int32_t>(p);
    case ValueType::FLOAT32:
      return load<float>(p);
    case ValueType::BOOL:
      return load<uint8_t>(p) != 0;
    case ValueType::UINT64:
      return static_cast<double>(load<uint64_t>(p));
    case ValueType::INT64:
      return static_cast<double>(load<int64_t>(p));
    case ValueType::FLOAT64:
      return load<double>(p);
    case ValueType::STRING:
    case ValueType::ARRAY:
      break;
  }
  return 0;
}

// Walks the file once, validating every field before it is used (docs/formats.md).
// The name of the field being read, for error messages. Rendered only when an error is reported:
// a vocabulary's string arrays hold hundreds of thousands of elements, and building every
// element's name up front cost more than the rest of the parse.
struct FieldName {
  std::string_view base;
  int64_t element = -1;  // " element N" follows the base when not negative
  std::string_view suffix;

  FieldName(const char* name) : base(name) {}         // NOLINT: implicit, like a string
  FieldName(const std::string& name) : base(name) {}  // NOLINT
  FieldName(std::string_view name, int64_t index) : base(name), element(index) {}

  FieldName with_suffix(std::string_view s) const {
    FieldName f = *this;
    f.suffix = s;
    return f;
  }
  std::string str() const {
    std::string s(base);
    if (element >= 0) s += " element " + std::to_string(element);
    s += suffix;
    return s;
  }
};

class Parser {
 public:
  explicit Parser(GgufFile& out) : out_(out), base_(out.file_.data()), size_(out.file_.size()) {}

  Status run() {
    if (size_ < 24)
      return fail(0, "header",
                  "file is " + std::to_string(size_) + " bytes, shorter than the 24-byte header");
    if (std::memcmp(base_, "GGUF", 4) != 0)
      return fail(0, "magic", "not a GGUF file (magic is not 'GGUF')");
    pos_ = 4;
    const uint32_t version = load<uint32_t>(base_ + 4);
    if ((version & 0xFFFFu) == 0 && version != 0)
      return fail(4, "version",
                  "file was written with the other byte order; only little-endian is supported");
    if (version == 1) return fail(4, "version", "GGUF v1 is no longer supported");
    if (version != 2 && version != 3)
      return fail(4, "version",
                  "unsupported version " + std::to_string(version) + " (2 and 3 are)");
    out_.version_ = version;
    const int64_t n_tensors = load<int64_t>(base_ + 8);
    const int64_t n_kv = load<int64_t>(base_ + 16);
    pos_ = 24;
    // Every KV record takes at least 8 + 1 + 4 + 1 bytes and every tensor record 8 + 1 + 4 + 4 + 8,
    // so counts above these bounds cannot fit; checking first bounds the reservations below.
    if (n_tensors < 0 || static_cast<uint64_t>(n_tensors) > remaining() / 25)
      return fail(8, "n_tensors",
                  "tensor count " + std::to_string(n_tensors) + " is impossible for a " +
                      std::to_string(size_) + "-byte file");
    if (n_kv < 0 || static_cast<uint64_t>(n_kv) > remaining() / 14)
      return fail(16, "n_kv",
                  "metadata count " + std::to_string(n_kv) + " is impossible for a " +
                      std::to_string(size_) + "-byte file");

    out_.metadata_.reserve(static_cast<size_t>(n_kv));
    for (int64_t i = 0; i < n_kv; ++i) ST_TRY(read_key_value(i));
    ST_TRY(read_alignment());
    out_.tensors_.reserve(static_cast<size_t>(n_tensors));
    for (int64_t i = 0; i < n_tensors; ++i) ST_TRY(read_tensor_info(i));
    return place_tensor_data();
  }

 private:
  uint64_t remaining() const { return size_ - pos_; }

  Error fail(uint64_t offset, const FieldName& field, const std::string& what) const {
    return Error(ErrorCode::kMalformedFile,
                 "GGUF: at offset " + std::to_string(offset) + ", " + field.str() + ": " + what);
  }

  Status need(uint64_t n, const FieldName& field) const {
    if (n > remaining())
      return fail(pos_, field,
                  "needs " + std::to_string(n) + " bytes but the file ends after " +
                      std::to_string(remaining()));
    return {};
  }

  template <typename T>
  Result<T> read(const FieldName& field) {
    ST_TRY(need(sizeof(T), field));
    const T v = load<T>(base_ + pos_);
    pos_ += sizeof(T);
    return v;
  }

  Result<std::string_view> read_string(const FieldName& field) {
    const uint64_t at = pos_;
    ST_ASSIGN_OR_RETURN(const uint64_t len, read<uint64_t>(field.with_suffix(" length")));
    if (len > kMaxStringLength)
      return fail(at, field, "string length " + std::to_string(len) + " exceeds 1 GiB");
    if (len > remaining())
      return fail(at, field,
                  "string length " + std::to_string(len) + " runs past the end of the file");
    std::string_view s(reinterpret_cast<const char*>(base_ + pos_), static_cast<size_t>(len));
    pos_ += len;
    return s;
  }

  Result<ValueType> read_value_type(const std::string& field) {
    const uint64_t at = pos_;
    ST_ASSIGN_OR_RETURN(const int32_t t, read<int32_t>(field));
    if (t < 0 || t >= kValueTypeCount)
      return fail(at, field, "invalid value type " + std::to_string(t));
    return static_cast<ValueType>(t);
  }

  Status read_key_value(int64_t index) {
    KeyValue kv;
    kv.offset = pos_;
    const std::string where = "metadata[" + std::to_string(index) + "]";
    ST_ASSIGN_OR_RETURN(kv.key, read_string(where + " key"));
    if (kv.key.empty()) return fail(kv.offset, where + " key", "key is empty");
    const std::string field = "metadata '" + std::string(kv.key.substr(0, 64)) + "'";
    if (out_.key_index_.count(kv.key)) return fail(kv.offset, field, "duplicate key");
    ST_ASSIGN_OR_RETURN(kv.type, read_value_type(field + " type"));
    ValueType scalar = kv.type;
    if (kv.type == ValueType::ARRAY) {
      const uint64_t at = pos_;
      ST_ASSIGN_OR_RETURN(kv.element_type, read_value_type(field + " element type"));
      if (kv.element_type == ValueType::ARRAY)
        return fail(at, field, "nested arrays are not supported");
      const uint64_t count_at = pos_;
      ST_ASSIGN_OR_RETURN(kv.count, read<uint64_t>(field + " element count"));
      if (kv.count > kMaxArrayElements)
        return fail(count_at, field,
                    "array of " + std::to_string(kv.count) + " elements exceeds 2^30");
      scalar = kv.element_type;
    }
    if (scalar == ValueType::STRING) {
      // Each string needs at least its 8-byte length: check before reserving.
      if (kv.count > remaining() / 8)
        return fail(pos_, field,
                    std::to_string(kv.count) + " strings cannot fit in the remaining " +
                        std::to_string(remaining()) + " bytes");
      kv.strings.reserve(static_cast<size_t>(kv.count));
      for (uint64_t i = 0; i < kv.count; ++i) {
        ST_ASSIGN_OR_RETURN(auto s, read_string(FieldName(field, static_cast<int64_t>(i))));
        kv.strings.push_back(s);
      }
    } else {
      const uint64_t elem = value_type_size(scalar);
      if (kv.count > remaining() / elem)
        return fail(pos_, field,
                    std::to_string(kv.count) + " values of " + std::to_string(elem) +
                        " bytes run past the end of the file");
      kv.data = base_ + pos_;
      pos_ += kv.count * elem;
    }
    out_.key_index_.emplace(kv.key, out_.metadata_.size());
    out_.metadata_.push_back(std::move(kv));
    return {};
  }

  Status read_alignment() {
    const KeyValue* kv = out_.find("general.alignment");
    if (!kv) return {};
    if (kv->type != ValueType::UINT32)
      return fail(kv->offset, "general.alignment",
                  std::string("must be uint32, is ") + value_type_name(kv->type));
    const uint32_t a = load<uint32_t>(kv->data);
    if (a == 0 || (a & (a - 1)) != 0)
      return fail(kv->offset, "general.alignment",
                  std::to_string(a) + " is not a non-zero power of two");
    out_.alignment_ = a;
    return {};
  }

  Status read_tensor_info(int64_t index) {
    TensorInfo t;
    t.info_offset = pos_;
    const std::string where = "tensor[" + std::to_string(index) + "]";
    ST_ASSIGN_OR_RETURN(t.name, read_string(where + " name"));
    const std::string field = "tensor '" + std::string(t.name.substr(0, 64)) + "'";
    if (t.name.size() > kMaxTensorNameLength)
      return fail(t.info_offset, field,
                  "name is " + std::to_string(t.name.size()) + " bytes, the limit is 63");
    if (out_.tensor_index_.count(t.name))
      return fail(t.info_offset, field, "duplicate tensor name");
    const uint64_t dims_at = pos_;
    ST_ASSIGN_OR_RETURN(const uint32_t n_dims, read<uint32_t>(field + " n_dims"));
    if (n_dims > 4) return fail(dims_at, field, "n_dims " + std::to_string(n_dims) + " exceeds 4");
    t.n_dims = static_cast<int>(n_dims);
    for (uint32_t j = 0; j < n_dims; ++j) {
      const uint64_t at = pos_;
      ST_ASSIGN_OR_RETURN(t.ne[j], read<int64_t>(field + " ne[" + std::to_string(j) + "]"));
      if (t.ne[j] <= 0)
        return fail(at, field,
                    "dimension " + std::to_string(j) + " is " + std::to_string(t.ne[j]) +
                        "; must be positive");
    }
    const int64_t kMax = std::numeric_limits<int64_t>::max();
    if (kMax / t.ne[1] <= t.ne[0] || kMax / t.ne[2] <= t.ne[0] * t.ne[1] ||
        kMax / t.ne[3] <= t.ne[0] * t.ne[1] * t.ne[2])
      return fail(dims_at, field, "element count overflows int64");
    const uint64_t type_at = pos_;
    ST_ASSIGN_OR_RETURN(const int32_t type_id, read<int32_t>(field + " type"));
    const QuantTypeInfo* info = quant_type_info(type_id);
    if (!info) return fail(type_at, field, "unknown ggml type id " + std::to_string(type_id));
    if (info->block_size == 0)
      return fail(type_at, field,
                  "ggml type id " + std::to_string(type_id) + " was removed from the format");
    if (t.ne[0] % info->block_size != 0)
      return fail(dims_at, field,
                  "row length " + std::to_string(t.ne[0]) + " is not a multiple of " + info->name +
                      "'s block size " + std::to_string(info->block_size));
    t.type = info->type;
    const uint64_t blocks = static_cast<uint64_t>(t.n_elements() / info->block_size);
    if (blocks > std::numeric_limits<uint64_t>::max() / static_cast<uint64_t>(info->type_size))
      return fail(dims_at, field, "byte size overflows");
    t.nbytes = blocks * static_cast<uint64_t>(info->type_size);
    ST_ASSIGN_OR_RETURN(t.offset, read<uint64_t>(field + " offset"));
    out_.tensor_index_.emplace(t.name, out_.tensors_.size());
    out_.tensors_.push_back(t);
    return {};
  }

  Status place_tensor_data() {
    uint64_t data_start = pos_;
    if (!out_.tensors_.empty()) {
      data_start = pad_to(pos_, out_.alignment_);
      if (data_start > size_)
        return fail(pos_, "data section",
                    "aligned start " + std::to_string(data_start) + " is past the end of the file");
    }
    out_.data_offset_ = data_start;
    uint64_t expected = 0;
    for (TensorInfo& t : out_.tensors_) {
      const std::string field = "tensor '" + std::string(t.name) + "'";
      if (t.offset != expected)
        return fail(t.info_offset, field,
                    "data offset " + std::to_string(t.offset) + ", expected " +
                        std::to_string(expected) +
                        " (tensors must be stored in order, aligned, without gaps or overlap)");
      if (t.nbytes > size_ - data_start || t.offset > size_ - data_start - t.nbytes)
        return fail(t.info_offset, field,
                    "data [" + std::to_string(data_start + t.offset) + ", +" +
                        std::to_string(t.nbytes) + ") runs past the end of the " +
                        std::to_string(size_) + "-byte file");
      t.data = base_ + data_start + t.offset;
      expected = t.offset + pad_to(t.nbytes, out_.alignment_);
    }
    return {};
  }

  GgufFile& out_;
  const uint8_t* base_;
  uint64_t size_;
  uint64_t pos_ = 0;
};

Result<GgufFile> GgufFile::open(const std::string& path) {
  ST_ASSIGN_OR_RETURN(MappedFile mapped, MappedFile::open(path));
  GgufFile f;
  f.file_ = std::move(mapped);
  if (Status st = Parser(f).run(); !st)
    return Error(st.error().code(), path + ": " + st.error().message());
  return f;
}

Result<GgufFile> GgufFile::from_memory(const void* data, size_t size) {
  GgufFile f;
  f.file_ = MappedFile::borrow(data, size);
  ST_TRY(Parser(f).run());
  return f;
}

const KeyValue* GgufFile::find(std::string_view key) const {
  const auto it = key_index_.find(key);
  return it == key_index_.end() ? nullptr : &metadata_[it->second];
}

const TensorInfo* GgufFile::find_tensor(std::string_view name) const {
  const auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

Result<const KeyValue*> GgufFile::typed(std::string_view key, ValueType type) const {
  const KeyValue* kv = find(key);
  if (!kv)
    return Error(ErrorCode::kMalformedFile,
                 "GGUF: missing metadata key '" + std::string(key) + "'");
  if (kv->type != type)
    return Error(ErrorCode::kMalformedFile, "GGUF: metadata key '" + std::string(key) +
                                                "' has type " + value_type_name(kv->type) +
                                                ", expected " + value_type_name(type));
  return kv;
}

Result<uint32_t> GgufFile::get_u32(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::UINT32));
  return load<uint32_t>(kv->data);
}

Result<int32_t> GgufFile::get_i32(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::INT32));
  return load<int32_t>(kv->data);
}

Result<uint64_t> GgufFile::get_u64(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::UINT64));
  return load<uint64_t>(kv->data);
}

Result<float> GgufFile::get_f32(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::FLOAT32));
  return load<float>(kv->data);
}

Result<bool> GgufFile::get_bool(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::BOOL));
  return kv->data[0] != 0;
}

Result<std::string_view> GgufFile::get_string(std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::STRING));
  return kv->strings[0];
}

Result<const std::vector<std::string_view>*> GgufFile::get_string_array(
    std::string_view key) const {
  ST_ASSIGN_OR_RETURN(const KeyValue* kv, typed(key, ValueType::ARRAY));
  if (kv->element_type != ValueType::STRING)
    return Error(ErrorCode::kMalformedFile,
                 "GGUF: metadata key '" + std::string(key) + "' is an array of " +
                     value_type_name(kv->element_type) + ", expected strings");
  if (metadata_released_ && kv->strings.size() != kv->count)
    return Error(ErrorCode::kInternal,
                 "GGUF: metadata array '" + std::string(key) + "' was released after loading");
  return &kv->strings;
}

void GgufFile::release_metadata() {
  for (KeyValue& kv : metadata_) {
    if (!kv.is_array() || kv.element_type != ValueType::STRING) continue;
    std::vector<std::string_view>().swap(kv.strings);
  }
  metadata_released_ = true;
  // The key/value records end where the first tensor-info record starts.
  uint64_t end = data_offset_;
  for (const TensorInfo& t : tensors_) end = std::min(end, t.info_offset);
  file_.release(file_.data(), static_cast<size_t>(end));
}

namespace {
template <typename T>
Result<std::vector<T>> numeric_array(const GgufFile& f, std::string_view key, ValueType element) {
  const KeyValue* kv = f.find(key);
  if (!kv)
    return Error(ErrorCode::kMalformedFile,
                 "GGUF: missing metadata key '" + std::string(key) + "'");
  if (!kv->is_array() || kv->element_type != element)
    return Error(ErrorCode::kMalformedFile, "GGUF: metadata key '" + std::string(key) +
                                                "' must be an array of " +
                                                value_type_name(element));
  std::vector<T> out(static_cast<size_t>(kv->count));
  if (!out.empty()) std::memcpy(out.data(), kv->data, out.size() * sizeof(T));
  return out;
}
}  // namespace

Result<std::vector<int32_t>> GgufFile::get_i32_array(std::string_view key) const {
  return numeric_array<int32_t>(*this, key, ValueType::INT32);
}

Result<std::vector<float>> GgufFile::get_f32_array(std::string_view key) const {
  return numeric_array<float>(*this, key, ValueType::FLOAT32);
}

Result<uint32_t> GgufFile::get_uint(std::string_view key) const {
  const KeyValue* kv = find(key);
  if (!kv)
    return Error(ErrorCode::kMalformedFile,
                 "GGUF: missing metadata key '" + std::string(key) + "'");
  switch (kv->type) {
    case ValueType::UINT8:
    case ValueType::INT8:
    case ValueType::UINT16:
    case ValueType::INT16:
    case ValueType::UINT32:
    case ValueType::INT32:
    case ValueType::UINT64:
    case ValueType::INT64: {
      const double v = kv->number_at(0);
      if (v < 0 || v > 4294967295.0)
        return Error(ErrorCode::kMalformedFile,
                     "GGUF: metadata key '" + std::string(key) + "' value is out of range");
      return static_cast<uint32_t>(v);
    }
    default:
      return Error(ErrorCode::kMalformedFile, "GGUF: metadata key '" + std::string(key) +
                                                  "' has type " + value_type_name(kv->type) +
                                                  ", expected an integer");
  }
}

Result<uint32_t> GgufFile::get_u32_or(std::string_view key, uint32_t fallback) const {
  return find(key) ? get_u32(key) : Result<uint32_t>(fallback);
}

Result<float> GgufFile::get_f32_or(std::string_view key, float fallback) const {
  return find(key) ? get_f32(key) : Result<float>(fallback);
}

Result<bool> GgufFile::get_bool_or(std::string_view key, bool fallback) const {
  return find(key) ? get_bool(key) : Result<bool>(fallback);
}

Result<std::string_view> GgufFile::get_string_or(std::string_view key,
                                                 std::string_view fallback) const {
  return find(key) ? get_string(key) : Result<std::string_view>(fallback);
}

}  // namespace shoptalk::gguf
