// reader(writer(x)) == x for every metadata type and a spread of tensor types and shapes, and the
// llama.cpp-written reference files parse.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/quant_table.h"
#include "test_support.h"

namespace shoptalk {
namespace {

using gguf::GgufFile;
using gguf::MetaValue;
using gguf::ValueType;

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i * 31);
  return v;
}

TEST_CASE("GGUF writer output reads back identically", "[gguf]") {
  const uint32_t alignment = GENERATE(32u, 64u, 1u);
  gguf::Writer w;
  w.set("general.architecture", MetaValue::string("qwen3"));
  w.set("general.alignment", MetaValue::u32(alignment));
  w.set("t.u8", MetaValue::u8(200));
  w.set("t.i8", MetaValue::i8(-100));
  w.set("t.u16", MetaValue::u16(60000));
  w.set("t.i16", MetaValue::i16(-30000));
  w.set("t.u32", MetaValue::u32(4000000000u));
  w.set("t.i32", MetaValue::i32(-2000000000));
  w.set("t.u64", MetaValue::u64(uint64_t{1} << 60));
  w.set("t.i64", MetaValue::i64(-(int64_t{1} << 60)));
  w.set("t.f32", MetaValue::f32(3.5f));
  w.set("t.f64", MetaValue::f64(-2.25));
  w.set("t.bool", MetaValue::boolean(true));
  w.set("t.empty_string", MetaValue::string(""));
  w.set("t.strings", MetaValue::string_array({"a", "", "ĠHello", std::string("x\0y", 3)}));
  w.set("t.i32s", MetaValue::i32_array({1, -2, 3}));
  w.set("t.f32s", MetaValue::f32_array({0.5f, -1.0f}));
  w.set("t.empty_array", MetaValue::i32_array({}));
  w.set("t.u8", MetaValue::u8(201));  // replacing keeps the position and the last value

  struct Spec {
    const char* name;
    GgmlType type;
    std::vector<int64_t> ne;
  };
  const std::vector<Spec> specs = {{"a.weight", GgmlType::F32, {7}},
                                   {"b.weight", GgmlType::Q4_0, {64, 3}},
                                   {"c.weight", GgmlType::Q6_K, {256, 2, 1, 1}},
                                   {"d.weight", GgmlType::F16, {3, 1, 5}},
                                   {"e.weight", GgmlType::Q8_0, {32, 2, 2, 2}}};
  std::vector<std::vector<uint8_t>> payloads;
  for (size_t i = 0; i < specs.size(); ++i) {
    int64_t n = 1;
    for (int64_t d : specs[i].ne) n *= d;
    const QuantTypeInfo& info = quant_type_info(specs[i].type);
    payloads.push_back(pattern(static_cast<size_t>(n / info.block_size * info.type_size),
                               static_cast<uint8_t>(i)));
    REQUIRE(w.add_tensor(specs[i].name, specs[i].type, specs[i].ne, payloads.back().data()));
  }

  auto bytes = w.write_memory();
  REQUIRE(bytes);
  CHECK(bytes->size() == w.file_size());
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  REQUIRE(f);
  CHECK(f->version() == 3);
  CHECK(f->alignment() == alignment);
  REQUIRE(f->metadata().size() == 18);
  CHECK(f->metadata()[2].key == "t.u8");
  CHECK(f->metadata()[2].number_at(0) == 201);
  CHECK(f->get_string("general.architecture").value() == "qwen3");
  CHECK(f->find("t.i8")->number_at(0) == -100);
  CHECK(f->find("t.u16")->number_at(0) == 60000);
  CHECK(f->find("t.i16")->number_at(0) == -30000);
  CHECK(f->get_u32("t.u32").value() == 4000000000u);
  CHECK(f->get_i32("t.i32").value() == -2000000000);
  CHECK(f->get_u64("t.u64").value() == uint64_t{1} << 60);
  CHECK(f->find("t.i64")->number_at(0) == static_cast<double>(-(int64_t{1} << 60)));
  CHECK(f->get_f32("t.f32").value() == 3.5f);
  CHECK(f->find("t.f64")->number_at(0) == -2.25);
  CHECK(f->get_bool("t.bool").value());
  CHECK(f->get_string("t.empty_string").value().empty());
  const auto strings = f->get_string_array("t.strings");
  REQUIRE(strings);
  REQUIRE((*strings)->size() == 4);
  CHECK((**strings)[2] == "ĠHello");
  CHECK((**strings)[3] == std::string_view("x\0y", 3));
  CHECK(f->get_i32_array("t.i32s").value() == std::vector<int32_t>{1, -2, 3});
  CHECK(f->get_f32_array("t.f32s").value() == std::vector<float>{0.5f, -1.0f});
  CHECK(f->get_i32_array("t.empty_array").value().empty());

  REQUIRE(f->tensors().size() == specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const gguf::TensorInfo& t = f->tensors()[i];
    CHECK(t.name == specs[i].name);
    CHECK(t.type == specs[i].type);
    for (size_t d = 0; d < 4; ++d) CHECK(t.ne[d] == (d < specs[i].ne.size() ? specs[i].ne[d] : 1));
    CHECK(static_cast<uint64_t>(t.data - bytes->data()) % alignment == 0);
    REQUIRE(t.nbytes == payloads[i].size());
    CHECK(std::memcmp(t.data, payloads[i].data(), t.nbytes) == 0);
  }
  CHECK(f->tensors()[2].n_dims == 2);  // trailing 1s are not stored
  CHECK(f->find_tensor("d.weight") == &f->tensors()[3]);
  CHECK(f->find_tensor("missing") == nullptr);
}

TEST_CASE("GGUF typed getters fail cleanly", "[gguf]") {
  gguf::Writer w;
  w.set("k.u32", MetaValue::u32(5));
  w.set("k.str", MetaValue::string("x"));
  w.set("k.i32s", MetaValue::i32_array({1}));
  auto bytes = w.write_memory();
  REQUIRE(bytes);
  auto f = GgufFile::from_memory(bytes->data(), bytes->size());
  REQUIRE(f);
  auto missing = f->get_u32("k.missing");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message().find("missing metadata key 'k.missing'") != std::string::npos);
  auto wrong = f->get_f32("k.u32");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message().find("has type uint32, expected float32") != std::string::npos);
  CHECK_FALSE(f->get_string_array("k.i32s"));
  CHECK_FALSE(f->get_f32_array("k.i32s"));
  CHECK_FALSE(f->get_bool("k.str"));
  CHECK(f->get_u32_or("k.missing", 7).value() == 7);
  CHECK_FALSE(f->get_u32_or("k.str", 7));
  CHECK(f->get_uint("k.u32").value() == 5);
}

TEST_CASE("GGUF writer rejects invalid tensors", "[gguf]") {
  gguf::Writer w;
  const uint8_t data[64] = {};
  CHECK_FALSE(w.add_tensor("bad", GgmlType::Q4_0, {31}, data));
  CHECK_FALSE(w.add_tensor("bad", GgmlType(4), {32}, data));
  CHECK_FALSE(w.add_tensor("", GgmlType::F32, {1}, data));
  CHECK_FALSE(w.add_tensor(std::string(64, 'x'), GgmlType::F32, {1}, data));
  CHECK_FALSE(w.add_tensor("bad", GgmlType::F32, {1, 0}, data));
  REQUIRE(w.add_tensor("ok", GgmlType::F32, {1}, data));
  CHECK_FALSE(w.add_tensor("ok", GgmlType::F32, {1}, data));
}

TEST_CASE("GGUF files written by llama.cpp parse and dequantize", "[gguf]") {
  std::vector<std::string> files = test::list_reference("reference/models", ".gguf");
  for (const std::string& f : test::list_reference("reference/tokenizer", ".gguf"))
    files.push_back(f);
  REQUIRE_FALSE(files.empty());
  for (const std::string& rel : files) {
    INFO(rel);
    auto f = GgufFile::open(*test::find_reference(rel));
    REQUIRE(f);
    CHECK(f->get_string("general.architecture"));
    std::vector<float> row;
    for (const gguf::TensorInfo& t : f->tensors()) {
      const QuantTypeInfo& info = quant_type_info(t.type);
      REQUIRE(info.dequantize_row != nullptr);
      row.resize(static_cast<size_t>(t.ne[0]));
      info.dequantize_row(t.data, row.data(), t.ne[0]);
      for (float x : row) REQUIRE(std::isfinite(x));
    }
  }
}

}  // namespace
}  // namespace shoptalk
