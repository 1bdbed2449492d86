#include "formats/gguf_writer.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "formats/quant_table.h"
#include "formats/try.h"

namespace shoptalk::gguf {

namespace {
template <typename T>
MetaValue scalar(ValueType type, T v) {
  MetaValue m;
  m.type = type;
  m.bytes.resize(sizeof v);
  std::memcpy(m.bytes.data(), &v, sizeof v);
  return m;
}

uint64_t pad_to(uint64_t x, uint64_t a) {
  return (x + a - 1) / a * a;
}

// n_dims as llama.cpp writes it: the index of the last dimension != 1, plus one (at least 1).
uint32_t stored_dims(const std::vector<int64_t>& ne) {
  uint32_t n_dims = 1;
  for (size_t i = 0; i < ne.size(); ++i)
    if (ne[i] != 1) n_dims = static_cast<uint32_t>(i + 1);
  return n_dims;
}
}  // namespace

MetaValue MetaValue::u8(uint8_t v) {
  return scalar(ValueType::UINT8, v);
}
MetaValue MetaValue::i8(int8_t v) {
  return scalar(ValueType::INT8, v);
}
MetaValue MetaValue::u16(uint16_t v) {
  return scalar(ValueType::UINT16, v);
}
MetaValue MetaValue::i16(int16_t v) {
  return scalar(ValueType::INT16, v);
}
MetaValue MetaValue::u32(uint32_t v) {
  return scalar(ValueType::UINT32, v);
}
MetaValue MetaValue::i32(int32_t v) {
  return scalar(ValueType::INT32, v);
}
MetaValue MetaValue::u64(uint64_t v) {
  return scalar(ValueType::UINT64, v);
}
MetaValue MetaValue::i64(int64_t v) {
  return scalar(ValueType::INT64, v);
}
MetaValue MetaValue::f32(float v) {
  return scalar(ValueType::FLOAT32, v);
}
MetaValue MetaValue::f64(double v) {
  return scalar(ValueType::FLOAT64, v);
}
MetaValue MetaValue::boolean(bool v) {
  return scalar(ValueType::BOOL, static_cast<uint8_t>(v ? 1 : 0));
}

MetaValue MetaValue::string(std::string v) {
  MetaValue m;
  m.type = ValueType::STRING;
  m.strings.push_back(std::move(v));
  return m;
}

MetaValue MetaValue::string_array(std::vector<std::string> v) {
  MetaValue m;
  m.type = ValueType::ARRAY;
  m.element_type = ValueType::STRING;
  m.count = v.size();
  m.strings = std::move(v);
  return m;
}

MetaValue MetaValue::numeric_array(ValueType element_type, const void* data, uint64_t count) {
  MetaValue m;
  m.type = ValueType::ARRAY;
  m.element_type = element_type;
  m.count = count;
  m.bytes.resize(static_cast<size_t>(count * value_type_size(element_type)));
  if (!m.bytes.empty()) std::memcpy(m.bytes.data(), data, m.bytes.size());
  return m;
}

MetaValue MetaValue::i32_array(const std::vector<int32_t>& v) {
  return numeric_array(ValueType::INT32, v.data(), v.size());
}

MetaValue MetaValue::f32_array(const std::vector<float>& v) {
  return numeric_array(ValueType::FLOAT32, v.data(), v.size());
}

void Writer::set(const std::string& key, MetaValue value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(key, std::move(value));
}

Status Writer::add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne,
                          const void* data) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  uint64_t row_bytes = 0;
  if (const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(type));
      info && info->block_size > 0 && !ne.empty())
    row_bytes = row_size(*info, ne[0]);
  return add_tensor(name, type, std::move(ne),
                    [bytes, row_bytes](int64_t first, int64_t n, uint8_t* dst) {
                      std::memcpy(dst, bytes + static_cast<uint64_t>(first) * row_bytes,
                                  static_cast<size_t>(n) * row_bytes);
                      return Status{};
                    });
}

Status Writer::add_tensor(const std::string& name, GgmlType type, std::vector<int64_t> ne,
                          RowFill fill) {
  const QuantTypeInfo* info = quant_type_info(static_cast<int32_t>(type));
  if (!info || info->block_size == 0)
    return Error(ErrorCode::kInvalidArgument,
                 "GGUF writer: tensor '" + name + "' has an invalid type");
  if (ne.empty() || ne.size() > 4)
    return Error(ErrorCode::kInvalidArgument,
                 "GGUF writer: tensor '" + name + "' needs 1 to 4 dimensions");
  if (name.empty() || name.size() > kMaxTensorNameLength)
    return Error(ErrorCode::kInvalidArgument,
                 "GGUF writer: tensor name '" + name + "' must be 1 to 63 bytes");
  for (const Tensor& t : tensors_)
    if (t.name == name)
      return Error(ErrorCode::kInvalidArgument, "GGUF writer: duplicate tensor '" + name + "'");
  int64_t rows = 1;
  for (size_t i = 0; i < ne.size(); ++i) {
    if (ne[i] <= 0)
      return Error(ErrorCode::kInvalidArgument,
                   "GGUF writer: tensor '" + name + "' has a non-positive dimension");
    if (i > 0) rows *= ne[i];
  }
  if (ne[0] % info->block_size != 0)
    return Error(ErrorCode::kInvalidArgument,
                 "GGUF writer: tensor '" + name +
                     "' row length is not a multiple of the block size of " + info->name);
  Tensor t{name, type, std::move(ne), 0, 0, rows, std::move(fill)};
  t.row_bytes = row_size(*info, t.ne[0]);
  t.nbytes = t.row_bytes * static_cast<uint64_t>(rows);
  tensors_.push_back(std::move(t));
  return {};
}

uint32_t Writer::alignment() const {
  for (const auto& [k, v] : metadata_) {
    if (k == "general.alignment" && v.type == ValueType::UINT32) {
      uint32_t a;
      std::memcpy(&a, v.bytes.data(), sizeof a);
      if (a != 0 && (a & (a - 1)) == 0) return a;
    }
  }
  return kDefaultAlignment;
}

uint64_t Writer::header_size() const {
  uint64_t n = 24;
  for (const auto& [k, v] : metadata_) {
    n += 8 + k.size() + 4;
    if (v.type == ValueType::ARRAY) n += 4 + 8;
    for (const std::string& s : v.strings) n += 8 + s.size();
    n += v.bytes.size();
  }
  for (const Tensor& t : tensors_) n += 8 + t.name.size() + 4 + 8 * stored_dims(t.ne) + 4 + 8;
  return n;
}

uint64_t Writer::file_size() const {
  uint64_t n = pad_to(header_size(), alignment());
  for (const Tensor& t : tensors_) n += pad_to(t.nbytes, alignment());
  return n;
}

// Where the bytes go: a FILE or a memory buffer.
class Writer::Sink {
 public:
  explicit Sink(std::FILE* file) : file_(file) {}
  explicit Sink(std::vector<uint8_t>* memory) : memory_(memory) {}

  Status put(const void* data, size_t n) {
    if (n == 0) return {};
    if (memory_) {
      const auto* p = static_cast<const uint8_t*>(data);
      memory_->insert(memory_->end(), p, p + n);
    } else if (std::fwrite(data, 1, n, file_) != n) {
      return Error(ErrorCode::kIo,
                   std::string("GGUF writer: write failed: ") + std::strerror(errno));
    }
    written_ += n;
    return {};
  }
  template <typename T>
  Status put_value(T v) {
    return put(&v, sizeof v);
  }
  Status put_string(const std::string& s) {
    ST_TRY(put_value<uint64_t>(s.size()));
    return put(s.data(), s.size());
  }
  Status pad(uint64_t alignment) {
    static const uint8_t kZeros[64] = {};
    uint64_t n = pad_to(written_, alignment) - written_;
    while (n > 0) {
      const size_t chunk = static_cast<size_t>(n < sizeof kZeros ? n : sizeof kZeros);
      ST_TRY(put(kZeros, chunk));
      n -= chunk;
    }
    return {};
  }

 private:
  std::FILE* file_ = nullptr;
  std::vector<uint8_t>* memory_ = nullptr;
  uint64_t written_ = 0;
};

Status Writer::write(Sink& sink) const {
  ST_TRY(sink.put("GGUF", 4));
  ST_TRY(sink.put_value<uint32_t>(version_));
  ST_TRY(sink.put_value<int64_t>(static_cast<int64_t>(tensors_.size())));
  ST_TRY(sink.put_value<int64_t>(static_cast<int64_t>(metadata_.size())));
  for (const auto& [key, v] : metadata_) {
    ST_TRY(sink.put_string(key));
    ST_TRY(sink.put_value<int32_t>(static_cast<int32_t>(v.type)));
    if (v.type == ValueType::ARRAY) {
      ST_TRY(sink.put_value<int32_t>(static_cast<int32_t>(v.element_type)));
      ST_TRY(sink.put_value<uint64_t>(v.count));
    }
    for (const std::string& s : v.strings) ST_TRY(sink.put_string(s));
    ST_TRY(sink.put(v.bytes.data(), v.bytes.size()));
  }
  const uint32_t align = alignment();
  uint64_t offset = 0;
  for (const Tensor& t : tensors_) {
    ST_TRY(sink.put_string(t.name));
    const uint32_t n_dims = stored_dims(t.ne);
    ST_TRY(sink.put_value<uint32_t>(n_dims));
    for (uint32_t i = 0; i < n_dims; ++i) ST_TRY(sink.put_value<int64_t>(t.ne[i]));
    ST_TRY(sink.put_value<int32_t>(static_cast<int32_t>(t.type)));
    ST_TRY(sink.put_value<uint64_t>(offset));
    offset += pad_to(t.nbytes, align);
  }
  ST_TRY(sink.pad(align));
  // Rows are produced in chunks of about 4 MiB so memory stays flat whatever the tensor size.
  std::vector<uint8_t> chunk;
  for (const Tensor& t : tensors_) {
    const int64_t rows_per_chunk =
        std::max<int64_t>(1, static_cast<int64_t>((uint64_t{4} << 20) / t.row_bytes));
    for (int64_t row = 0; row < t.n_rows; row += rows_per_chunk) {
      const int64_t n = std::min(rows_per_chunk, t.n_rows - row);
      chunk.resize(static_cast<size_t>(static_cast<uint64_t>(n) * t.row_bytes));
      ST_TRY(t.fill(row, n, chunk.data()));
      ST_TRY(sink.put(chunk.data(), chunk.size()));
    }
    ST_TRY(sink.pad(align));
  }
  return {};
}

Status Writer::write_file(const std::string& path) const {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!file) return Error(ErrorCode::kIo, "cannot create '" + path + "': " + std::strerror(errno));
  Sink sink(file.get());
  ST_TRY(write(sink));
  if (std::fflush(file.get()) != 0)
    return Error(ErrorCode::kIo, "cannot write '" + path + "': " + std::strerror(errno));
  return {};
}

Result<std::vector<uint8_t>> Writer::write_memory() const {
  std::vector<uint8_t> out;
  out.reserve(static_cast<size_t>(file_size()));
  Sink sink(&out);
  ST_TRY(write(sink));
  return out;
}

}  // namespace shoptalk::gguf
