// Malformed GGUF files: each returns a kMalformedFile error naming the problem and the offset,
// never a crash, an out-of-bounds read or an allocation sized by an unchecked number (run under
// ASan).
#include <catch2/catch.hpp>
#include <cstring>
#include <string>
#include <vector>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"

namespace shoptalk {
namespace {

// Builds GGUF bytes field by field so a test can put any value anywhere.
class Bytes {
 public:
  Bytes& raw(const void* p, size_t n) {
    const auto* b = static_cast<const uint8_t*>(p);
    data.insert(data.end(), b, b + n);
    return *this;
  }
  template <typename T>
  Bytes& put(T v) {
    return raw(&v, sizeof v);
  }
  Bytes& str(const std::string& s) { return put<uint64_t>(s.size()).raw(s.data(), s.size()); }
  Bytes& header(uint32_t version, int64_t n_tensors, int64_t n_kv) {
    return raw("GGUF", 4).put(version).put(n_tensors).put(n_kv);
  }
  Bytes& kv_u32(const std::string& key, uint32_t v) { return str(key).put<int32_t>(4).put(v); }
  Bytes& tensor(const std::string& name, std::vector<int64_t> ne, int32_t type, uint64_t offset) {
    str(name).put<uint32_t>(static_cast<uint32_t>(ne.size()));
    for (int64_t d : ne) put(d);
    return put(type).put(offset);
  }
  Bytes& pad(size_t alignment) {
    while (data.size() % alignment) data.push_back(0);
    return *this;
  }
  Bytes& zeros(size_t n) {
    data.insert(data.end(), n, 0);
    return *this;
  }
  std::vector<uint8_t> data;
};

// Parses and requires a kMalformedFile error whose message contains `expected`.
void expect_malformed(const std::vector<uint8_t>& bytes, const std::string& expected) {
  auto f = gguf::GgufFile::from_memory(bytes.empty() ? nullptr : bytes.data(), bytes.size());
  REQUIRE_FALSE(f);
  INFO(f.error().message());
  CHECK(f.error().code() == ErrorCode::kMalformedFile);
  CHECK(f.error().message().find(expected) != std::string::npos);
  CHECK(f.error().message().find("at offset") != std::string::npos);
}

// A valid file with one F32 tensor of 8 elements, for mutations.
Bytes valid_file() {
  Bytes b;
  b.header(3, 1, 1).kv_u32("general.alignment", 32).tensor("w", {8}, 0, 0).pad(32).zeros(32);
  return b;
}

TEST_CASE("GGUF valid minimal file parses", "[gguf]") {
  const Bytes b = valid_file();
  auto f = gguf::GgufFile::from_memory(b.data.data(), b.data.size());
  REQUIRE(f);
  CHECK(f->tensors().size() == 1);
}

TEST_CASE("GGUF header errors", "[gguf]") {
  expect_malformed({}, "shorter than the 24-byte header");
  expect_malformed(std::vector<uint8_t>(23, 0), "shorter than the 24-byte header");
  expect_malformed(Bytes().raw("GGUX", 4).put<uint32_t>(3).put<int64_t>(0).put<int64_t>(0).data,
                   "magic");
  expect_malformed(Bytes().header(0, 0, 0).data, "unsupported version 0");
  expect_malformed(Bytes().header(1, 0, 0).data, "v1 is no longer supported");
  expect_malformed(Bytes().header(4, 0, 0).data, "unsupported version 4");
  expect_malformed(Bytes().header(0x03000000u, 0, 0).data, "byte order");
  expect_malformed(Bytes().header(3, -1, 0).data, "tensor count -1");
  expect_malformed(Bytes().header(3, 0, -5).data, "metadata count -5");
  expect_malformed(Bytes().header(3, 0, int64_t{1} << 40).data, "impossible");
  expect_malformed(Bytes().header(3, int64_t{1} << 50, 0).data, "impossible");
}

TEST_CASE("GGUF metadata errors", "[gguf]") {
  SECTION("key length beyond 1 GiB") {
    Bytes b;
    b.header(3, 0, 1).put<uint64_t>(uint64_t{1} << 62).zeros(16);
    expect_malformed(b.data, "exceeds 1 GiB");
  }
  SECTION("key runs past the end") {
    Bytes b;
    b.header(3, 0, 1).put<uint64_t>(100).raw("abc", 3).zeros(11);
    expect_malformed(b.data, "runs past the end");
  }
  SECTION("empty key") {
    expect_malformed(Bytes().header(3, 0, 1).str("").put<int32_t>(4).put<uint32_t>(1).data,
                     "key is empty");
  }
  SECTION("duplicate key") {
    expect_malformed(Bytes().header(3, 0, 2).kv_u32("a.b", 1).kv_u32("a.b", 2).data,
                     "duplicate key");
  }
  SECTION("invalid value type") {
    expect_malformed(Bytes().header(3, 0, 1).str("k").put<int32_t>(13).zeros(8).data,
                     "invalid value type 13");
  }
  SECTION("negative value type") {
    expect_malformed(Bytes().header(3, 0, 1).str("k").put<int32_t>(-1).zeros(8).data,
                     "invalid value type -1");
  }
  SECTION("nested array") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(9)
                         .put<uint64_t>(1)
                         .zeros(8)
                         .data,
                     "nested arrays");
  }
  SECTION("array element type invalid") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(77)
                         .put<uint64_t>(1)
                         .zeros(8)
                         .data,
                     "invalid value type 77");
  }
  SECTION("array count above 2^30") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(0)
                         .put<uint64_t>((uint64_t{1} << 30) + 1)
                         .zeros(8)
                         .data,
                     "exceeds 2^30");
  }
  SECTION("numeric array runs past the end") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(5)
                         .put<uint64_t>(1000)
                         .zeros(40)
                         .data,
                     "run past the end");
  }
  SECTION("string array cannot fit") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(8)
                         .put<uint64_t>(1u << 20)
                         .zeros(64)
                         .data,
                     "cannot fit");
  }
  SECTION("string element runs past the end") {
    expect_malformed(Bytes()
                         .header(3, 0, 1)
                         .str("k")
                         .put<int32_t>(9)
                         .put<int32_t>(8)
                         .put<uint64_t>(2)
                         .str("ok")
                         .put<uint64_t>(9999)
                         .zeros(4)
                         .data,
                     "element 1");
  }
  SECTION("scalar value truncated") {
    expect_malformed(Bytes().header(3, 0, 1).str("k").put<int32_t>(10).zeros(3).data,
                     "run past the end");
  }
  SECTION("string value truncated") {
    expect_malformed(
        Bytes().header(3, 0, 1).str("k").put<int32_t>(8).put<uint64_t>(50).raw("short", 5).data,
        "runs past the end");
  }
  SECTION("value type field truncated") {
    // Too few bytes left for even one record: rejected by the count bound before reading it.
    expect_malformed(Bytes().header(3, 0, 1).str("k").zeros(2).data, "impossible");
  }
  SECTION("alignment of the wrong type") {
    expect_malformed(
        Bytes().header(3, 0, 1).str("general.alignment").put<int32_t>(10).put<uint64_t>(32).data,
        "must be uint32");
  }
  SECTION("alignment zero") {
    expect_malformed(Bytes().header(3, 0, 1).kv_u32("general.alignment", 0).data, "power of two");
  }
  SECTION("alignment not a power of two") {
    expect_malformed(Bytes().header(3, 0, 1).kv_u32("general.alignment", 48).data, "power of two");
  }
}

TEST_CASE("GGUF tensor-info errors", "[gguf]") {
  auto one_tensor = [](const std::string& name, std::vector<int64_t> ne, int32_t type,
                       uint64_t offset) {
    Bytes b;
    b.header(3, 1, 0).tensor(name, std::move(ne), type, offset).pad(32).zeros(64);
    return b.data;
  };
  expect_malformed(one_tensor(std::string(64, 'n'), {8}, 0, 0), "the limit is 63");
  expect_malformed(one_tensor("w", {8, 0}, 0, 0), "must be positive");
  expect_malformed(one_tensor("w", {-8}, 0, 0), "must be positive");
  expect_malformed(one_tensor("w", {int64_t{1} << 40, int64_t{1} << 40}, 0, 0), "overflows int64");
  expect_malformed(one_tensor("w", {8}, 43, 0), "unknown ggml type id 43");
  expect_malformed(one_tensor("w", {8}, -3, 0), "unknown ggml type id -3");
  expect_malformed(one_tensor("w", {32}, 4, 0), "was removed");
  expect_malformed(one_tensor("w", {33}, 2, 0), "not a multiple of q4_0's block size");
  expect_malformed(one_tensor("w", {8}, 0, 32), "expected 0");
  expect_malformed(one_tensor("w", {1024}, 0, 0), "runs past the end");
  {
    Bytes b;
    b.header(3, 1, 0).str("w").put<uint32_t>(5);
    for (int i = 0; i < 5; ++i) b.put<int64_t>(1);
    b.put<int32_t>(0).put<uint64_t>(0).zeros(64);
    expect_malformed(b.data, "n_dims 5 exceeds 4");
  }
  {
    Bytes b;
    b.header(3, 2, 0).tensor("w", {8}, 0, 0).tensor("w", {8}, 0, 32).pad(32).zeros(64);
    expect_malformed(b.data, "duplicate tensor name");
  }
  {
    Bytes b;  // the second tensor overlaps the first
    b.header(3, 2, 0).tensor("a", {16}, 0, 0).tensor("b", {16}, 0, 32).pad(32).zeros(128);
    expect_malformed(b.data, "offset 32, expected 64");
  }
  {
    Bytes b;  // the data section would start past the end of the file
    b.header(3, 1, 0).tensor("w", {8}, 0, 0);
    expect_malformed(b.data, "past the end of the file");
  }
  {
    Bytes b;  // record cut inside the dimensions
    b.header(3, 1, 0).str("w").put<uint32_t>(2).put<int64_t>(8).zeros(4);
    expect_malformed(b.data, "ne[1]");
  }
}

TEST_CASE("GGUF truncated at every byte fails cleanly", "[gguf]") {
  gguf::Writer w;
  w.set("general.architecture", gguf::MetaValue::string("llama"));
  w.set("tokens", gguf::MetaValue::string_array({"a", "bc", "def"}));
  w.set("scores", gguf::MetaValue::f32_array({1, 2, 3}));
  const std::vector<uint8_t> q(18 * 4, 0x11);
  REQUIRE(w.add_tensor("w", GgmlType::Q4_0, {64, 2}, q.data()));
  const std::vector<float> v(10, 1.0f);
  REQUIRE(w.add_tensor("v", GgmlType::F32, {10}, v.data()));
  auto bytes = w.write_memory();
  REQUIRE(bytes);
  // The last tensor's data ends before the final padding: any cut before that point must fail.
  const size_t data_end = bytes->size() - 64 + sizeof(float) * 10;
  for (size_t n = 0; n < data_end; ++n) {
    std::vector<uint8_t> cut(bytes->begin(), bytes->begin() + static_cast<std::ptrdiff_t>(n));
    auto f = gguf::GgufFile::from_memory(cut.data(), cut.size());
    INFO("cut at " << n);
    REQUIRE_FALSE(f);
    CHECK(f.error().code() == ErrorCode::kMalformedFile);
  }
  CHECK(gguf::GgufFile::from_memory(bytes->data(), data_end));  // a missing final pad is tolerated
}

TEST_CASE("GGUF open reports missing files as I/O errors", "[gguf]") {
  auto f = gguf::GgufFile::open("/nonexistent/model.gguf");
  REQUIRE_FALSE(f);
  CHECK(f.error().code() == ErrorCode::kIo);
  CHECK(f.error().message().find("/nonexistent/model.gguf") != std::string::npos);
  auto dir = gguf::GgufFile::open("/");
  REQUIRE_FALSE(dir);
  CHECK(dir.error().code() == ErrorCode::kIo);
}

}  // namespace
}  // namespace shoptalk
