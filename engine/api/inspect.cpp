// shoptalk::inspect_file: the GGUF container rendered for people and scripts.
#include <algorithm>
#include <cstdio>

#include "engine/api/guard.h"
#include "engine/api/model_info.h"
#include "engine/model/model.h"
#include "formats/gguf.h"
#include "formats/quant_table.h"
#include "formats/try.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

namespace {
using gguf::KeyValue;
using gguf::ValueType;

constexpr size_t kShownArrayElements = 8;
constexpr size_t kShownStringBytes = 200;

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, kShownStringBytes)) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  if (s.size() > kShownStringBytes) out += "...";
  return out + "\"";
}

std::string number(const KeyValue& kv, uint64_t i) {
  const ValueType t = kv.is_array() ? kv.element_type : kv.type;
  const double v = kv.number_at(i);
  char buf[32];
  if (t == ValueType::BOOL) return v != 0 ? "true" : "false";
  if (t == ValueType::FLOAT32 || t == ValueType::FLOAT64) {
    std::snprintf(buf, sizeof buf, "%.9g", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  }
  return buf;
}

MetadataSummary summarize(const KeyValue& kv) {
  MetadataSummary m;
  m.key = std::string(kv.key);
  if (!kv.is_array()) {
    m.type = gguf::value_type_name(kv.type);
    m.value = kv.type == ValueType::STRING ? quoted(kv.strings[0]) : number(kv, 0);
    return m;
  }
  m.type = std::string("array[") + gguf::value_type_name(kv.element_type) + "]";
  m.value = "[";
  const uint64_t shown = std::min<uint64_t>(kv.count, kShownArrayElements);
  for (uint64_t i = 0; i < shown; ++i) {
    if (i) m.value += ", ";
    m.value += kv.element_type == ValueType::STRING ? quoted(kv.strings[i]) : number(kv, i);
  }
  if (kv.count > shown) m.value += ", ... (" + std::to_string(kv.count) + " elements)";
  m.value += "]";
  return m;
}
}  // namespace

namespace {
Result<FileSummary> summarize_file(const std::string& path) {
  ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(path));
  FileSummary s;
  s.version = file.version();
  s.file_size = file.file().size();
  s.alignment = file.alignment();
  for (const KeyValue& kv : file.metadata()) s.metadata.push_back(summarize(kv));
  for (const gguf::TensorInfo& t : file.tensors()) {
    TensorSummary ts;
    ts.name = std::string(t.name);
    ts.type = quant_type_info(t.type).name;
    ts.shape.assign(t.ne, t.ne + std::max(t.n_dims, 1));
    ts.bytes = t.nbytes;
    s.tensor_bytes += t.nbytes;
    s.tensors.push_back(std::move(ts));
  }
  s.type_bytes = api::bytes_per_type(file);
  s.architecture = std::string(file.get_string_or("general.architecture", "").value_or(""));
  // The model as the loader sees it: supported with these hyper-parameters, or why not.
  auto header = engine::read_model_header(file);
  const Status supported = header ? engine::check_tensor_names(file, *header->first, header->second)
                                  : Status(header.error());
  s.model_supported = supported.ok();
  if (supported) {
    s.model = api::describe_model(file, *header->first, header->second);
  } else {
    s.model_error = supported.error().message();
  }
  return s;
}
}  // namespace

Result<FileSummary> inspect_file(const std::string& path) {
  return api::guarded([&] { return summarize_file(path); });
}

}  // namespace shoptalk
