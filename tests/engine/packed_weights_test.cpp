// Packed weights change no logit. For every reference model: repacked at load, a `shoptalk pack`
// file used in place on its level and unpacked at load on the scalar level, and a packed image in
// caller memory all give the row-major path's logits bit for bit. A layout this build cannot read
// and packing a packed file are refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "engine/model/pack_file.h"
#include "engine/model/weight_layout.h"
#include "kernels/packed_layout.h"
#include "reference_helpers.h"

namespace shoptalk::test {

namespace {

using engine::LoadOptions;
using engine::Model;

const kernels::KernelTable* packing_table() {
  Result<const kernels::KernelTable*> table = kernels::kernels_for(kernels::Isa::kAvx2);
  if (!table) {
    WARN("no kernel level with a packed layout here, skipping: " << table.error().message());
    return nullptr;
  }
  return *table;
}

std::shared_ptr<const Model> load(const std::string& path, const kernels::KernelTable& table,
                                  bool repack = true) {
  LoadOptions options;
  options.kernels = &table;
  options.repack = repack;
  auto model = Model::load(path, options);
  REQUIRE(model);
  return *model;
}

// A prompt in one batch (every row), then two decoded tokens.
std::vector<float> logits_of(std::shared_ptr<const Model> model) {
  engine::SessionOptions options;
  options.n_ctx = 32;
  options.n_threads = 2;
  auto session = engine::Session::create(std::move(model), options);
  REQUIRE(session);
  const std::vector<int32_t> prompt = {1, 5, 9, 2, 7, 3};
  const engine::Logits last = (*session)->logits();
  std::vector<float> out(prompt.size() * static_cast<size_t>(last.n_vocab));
  REQUIRE((*session)->eval(prompt, out.data()));
  for (int32_t token : {4, 8}) {
    REQUIRE((*session)->eval(&token, 1));
    out.insert(out.end(), last.data, last.data + last.n_vocab);
  }
  return out;
}

struct LayoutCount {
  int packed = 0;
  int in_file = 0;  // packed and pointing into the file's bytes
};

LayoutCount count_layouts(const Model& model) {
  const MappedFile& bytes = model.file().file();
  LayoutCount c;
  for (const kernels::Weight* w : model.matrices()) {
    if (!w->packed) continue;
    ++c.packed;
    if (w->data >= bytes.data() && w->data < bytes.data() + bytes.size()) ++c.in_file;
  }
  return c;
}

int packable_matrices(const Model& model, const kernels::KernelTable& table) {
  int n = 0;
  for (const kernels::Weight* w : model.matrices()) n += engine::packs_type(table, w->type);
  return n;
}

void write_bytes(const std::string& path, const std::vector<uint8_t>& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("packed weights give the row-major logits bit for bit", "[engine][packed]") {
  const kernels::KernelTable* table = packing_table();
  if (!table) return;
  const kernels::KernelTable& scalar = kernels::scalar_kernels();
  const std::vector<std::string> files = list_reference("reference/models", ".gguf");
  REQUIRE(!files.empty());
  for (const std::string& relative : files) {
    INFO(relative);
    const std::string path = *find_reference(relative);
    const std::shared_ptr<const Model> plain = load(path, *table, false);
    const int packable = packable_matrices(*plain, *table);
    CHECK(count_layouts(*plain).packed == 0);
    const std::vector<float> want = logits_of(plain);

    const std::shared_ptr<const Model> repacked = load(path, *table);
    CHECK(count_layouts(*repacked).packed == packable);
    CHECK(count_layouts(*repacked).in_file == 0);
    CHECK(logits_of(repacked) == want);

    const std::string packed_path = temp_path("packed.gguf");
    REQUIRE(engine::pack_gguf(path, packed_path, *table));
    const std::shared_ptr<const Model> packed = load(packed_path, *table);
    CHECK(count_layouts(*packed).in_file == packable);
    CHECK(logits_of(packed) == want);

    // A packed image in caller memory is used in place as well; an ordinary one is not copied.
    const std::vector<uint8_t> image = read_file(packed_path);
    auto image_file = gguf::GgufFile::from_memory(image.data(), image.size());
    REQUIRE(image_file);
    LoadOptions options;
    options.kernels = table;
    auto from_memory = Model::from_gguf(std::move(image_file).value(), options);
    REQUIRE(from_memory);
    CHECK(count_layouts(**from_memory).in_file == packable);
    CHECK(logits_of(*from_memory) == want);
    const std::vector<uint8_t> plain_image = read_file(path);
    auto plain_file = gguf::GgufFile::from_memory(plain_image.data(), plain_image.size());
    REQUIRE(plain_file);
    auto plain_from_memory = Model::from_gguf(std::move(plain_file).value(), options);
    REQUIRE(plain_from_memory);
    CHECK(count_layouts(**plain_from_memory).packed == 0);

    // The scalar level has no packed layout: the packed file is unpacked at load.
    const std::shared_ptr<const Model> unpacked = load(packed_path, scalar);
    CHECK(count_layouts(*unpacked).packed == 0);
    CHECK(logits_of(unpacked) == logits_of(load(path, scalar)));
  }
}

TEST_CASE("packing refuses a packed input and a level without a layout", "[engine][packed]") {
  const kernels::KernelTable* table = packing_table();
  if (!table) return;
  const std::string path = *find_reference("reference/models/qwen3/qwen3-Q4_K_M.gguf");
  const std::string packed_path = temp_path("packed-twice.gguf");
  REQUIRE(engine::pack_gguf(path, packed_path, *table));

  const Status again = engine::pack_gguf(packed_path, temp_path("never.gguf"), *table);
  REQUIRE(!again);
  CHECK(again.error().code() == ErrorCode::kInvalidArgument);
  CHECK(again.error().message().find("already packed") != std::string::npos);

  const Status scalar = engine::pack_gguf(path, temp_path("never.gguf"), kernels::scalar_kernels());
  REQUIRE(!scalar);
  CHECK(scalar.error().code() == ErrorCode::kUnsupported);
  CHECK(scalar.error().message() == "the kernel level 'scalar' has no packed weight layout");
}

TEST_CASE("a file packed in a layout this build cannot read is refused clearly",
          "[engine][packed]") {
  const kernels::KernelTable* table = packing_table();
  if (!table) return;
  const std::string path = *find_reference("reference/models/qwen3/qwen3-Q4_K_M.gguf");
  const std::string packed_path = temp_path("packed-foreign.gguf");
  REQUIRE(engine::pack_gguf(path, packed_path, *table));
  std::vector<uint8_t> bytes = read_file(packed_path);
  const std::string name(kernels::kX86PanelLayout);
  const auto at = std::search(bytes.begin(), bytes.end(), name.begin(), name.end());
  REQUIRE(at != bytes.end());
  const std::string foreign = "arm.panel8";
  REQUIRE(foreign.size() == name.size());
  std::copy(foreign.begin(), foreign.end(), at);
  write_bytes(packed_path, bytes);

  for (const kernels::KernelTable* level : {table, &kernels::scalar_kernels()}) {
    LoadOptions options;
    options.kernels = level;
    auto model = Model::load(packed_path, options);
    REQUIRE(!model);
    CHECK(model.error().code() == ErrorCode::kUnsupported);
    CHECK(model.error().message() ==
          "the file is packed in layout 'arm.panel8', which this build of shoptalk cannot read; "
          "pack the original file again");
  }
}

}  // namespace shoptalk::test
