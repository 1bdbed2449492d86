#include "engine/model/pack_file.h"

#include <unordered_set>

#include "engine/model/model.h"
#include "engine/model/weight_layout.h"
#include "formats/gguf_writer.h"
#include "formats/try.h"
#include "kernels/packed_layout.h"

namespace shoptalk::engine {

namespace {

gguf::MetaValue copy_value(const gguf::KeyValue& kv) {
  gguf::MetaValue v;
  v.type = kv.type;
  v.element_type = kv.element_type;
  v.count = kv.count;
  const gguf::ValueType scalar = kv.is_array() ? kv.element_type : kv.type;
  if (scalar == gguf::ValueType::STRING) {
    v.strings.assign(kv.strings.begin(), kv.strings.end());
  } else {
    v.bytes.assign(kv.data, kv.data + kv.count * gguf::value_type_size(scalar));
  }
  return v;
}

// The tensors to store packed: those behind the model's weight matrices whose type the table
// packs (the tied embedding table among them, as the output projection).
std::unordered_set<const uint8_t*> packed_data(const Model& model,
                                               const kernels::KernelTable& table) {
  std::unordered_set<const uint8_t*> out;
  for (const kernels::Weight* w : model.matrices())
    if (packs_type(table, w->type)) out.insert(w->data);
  return out;
}

Status add_packed_tensor(gguf::Writer& writer, const gguf::TensorInfo& t) {
  const kernels::PanelShape shape = kernels::panel_shape(t.type, t.n_rows(), t.ne[0]);
  const uint8_t* rows = t.data;
  return writer.add_tensor(std::string(t.name), t.type, std::vector<int64_t>(t.ne, t.ne + t.n_dims),
                           [shape, rows](int64_t first_row, int64_t n_rows, uint8_t* dst) {
                             kernels::pack_panels(shape, rows, first_row * shape.blocks_per_row,
                                                  n_rows * shape.blocks_per_row, dst);
                             return Status{};
                           });
}

}  // namespace

Status pack_gguf(const std::string& in_path, const std::string& out_path,
                 const kernels::KernelTable& table) {
  ST_ASSIGN_OR_RETURN(gguf::GgufFile file, gguf::GgufFile::open(in_path));
  if (table.packed_layout.empty())
    return Error(ErrorCode::kUnsupported, std::string("the kernel level '") +
                                              kernels::isa_name(table.isa) +
                                              "' has no packed weight layout");
  if (const gguf::KeyValue* kv = file.find(kPackedLayoutKey))
    return Error(ErrorCode::kInvalidArgument,
                 "'" + in_path + "' is already packed (" + std::string(kPackedLayoutKey) + " = " +
                     std::string(kv->strings.empty() ? "?" : kv->strings[0]) + ")");
  LoadOptions options;
  options.kernels = &table;
  options.repack = false;
  ST_ASSIGN_OR_RETURN(const std::shared_ptr<const Model> model,
                      Model::from_gguf(std::move(file), options));
  const gguf::GgufFile& in = model->file();
  const std::unordered_set<const uint8_t*> packed = packed_data(*model, table);

  gguf::Writer writer;
  writer.set_version(in.version());
  for (const gguf::KeyValue& kv : in.metadata()) writer.set(std::string(kv.key), copy_value(kv));
  std::vector<std::string> packed_names;
  for (const gguf::TensorInfo& t : in.tensors()) {
    if (packed.count(t.data)) {
      packed_names.emplace_back(t.name);
      ST_TRY(add_packed_tensor(writer, t));
    } else {
      ST_TRY(writer.add_tensor(std::string(t.name), t.type,
                               std::vector<int64_t>(t.ne, t.ne + t.n_dims), t.data));
    }
  }
  writer.set(std::string(kPackedLayoutKey),
             gguf::MetaValue::string(std::string(table.packed_layout)));
  writer.set(std::string(kPackedTensorsKey),
             gguf::MetaValue::string_array(std::move(packed_names)));
  return writer.write_file(out_path);
}

}  // namespace shoptalk::engine
