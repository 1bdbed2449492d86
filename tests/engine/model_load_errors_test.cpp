// Malformed or unsupported models are clear errors at load, never a crash later. Each case starts
// from a small valid llama-family model written with the GGUF writer and breaks one thing.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <functional>
#include <map>

#include "engine/model/model.h"
#include "engine/model/session.h"
#include "formats/gguf_writer.h"
#include "formats/quant_table.h"
#include "test_support.h"

namespace shoptalk::test {

namespace {

using gguf::MetaValue;

constexpr uint32_t kEmbd = 64;
constexpr uint32_t kHeads = 2;
constexpr uint32_t kHeadsKv = 1;
constexpr uint32_t kFf = 128;
constexpr uint32_t kVocab = 8;
constexpr uint32_t kHeadDim = kEmbd / kHeads;

struct TensorSpec {
  GgmlType type;
  std::vector<int64_t> ne;
};

// A description of a model file that each test case edits before writing.
struct ModelSpec {
  std::string arch = "llama";
  std::map<std::string, MetaValue> keys;
  std::map<std::string, TensorSpec> tensors;
};

ModelSpec valid_llama() {
  ModelSpec m;
  const std::string p = "llama.";
  m.keys[p + "context_length"] = MetaValue::u32(128);
  m.keys[p + "embedding_length"] = MetaValue::u32(kEmbd);
  m.keys[p + "block_count"] = MetaValue::u32(1);
  m.keys[p + "feed_forward_length"] = MetaValue::u32(kFf);
  m.keys[p + "attention.head_count"] = MetaValue::u32(kHeads);
  m.keys[p + "attention.head_count_kv"] = MetaValue::u32(kHeadsKv);
  m.keys[p + "attention.layer_norm_rms_epsilon"] = MetaValue::f32(1e-5f);
  m.keys[p + "rope.freq_base"] = MetaValue::f32(10000.0f);
  std::vector<std::string> tokens;
  for (uint32_t i = 0; i < kVocab; ++i) tokens.push_back("t" + std::to_string(i));
  m.keys["tokenizer.ggml.tokens"] = MetaValue::string_array(tokens);
  const GgmlType f = GgmlType::F32;
  m.tensors["token_embd.weight"] = {f, {kEmbd, kVocab}};
  m.tensors["output_norm.weight"] = {f, {kEmbd}};
  m.tensors["blk.0.attn_norm.weight"] = {f, {kEmbd}};
  m.tensors["blk.0.attn_q.weight"] = {f, {kEmbd, kHeads * kHeadDim}};
  m.tensors["blk.0.attn_k.weight"] = {f, {kEmbd, kHeadsKv * kHeadDim}};
  m.tensors["blk.0.attn_v.weight"] = {f, {kEmbd, kHeadsKv * kHeadDim}};
  m.tensors["blk.0.attn_output.weight"] = {f, {kHeads * kHeadDim, kEmbd}};
  m.tensors["blk.0.ffn_norm.weight"] = {f, {kEmbd}};
  m.tensors["blk.0.ffn_gate.weight"] = {f, {kEmbd, kFf}};
  m.tensors["blk.0.ffn_up.weight"] = {f, {kEmbd, kFf}};
  m.tensors["blk.0.ffn_down.weight"] = {f, {kFf, kEmbd}};
  return m;
}

// Writes the model (tensor contents: small random values, quantized to each tensor's type) and
// loads it. The image is kept alive for the model's lifetime by `image`.
Result<std::shared_ptr<engine::Model>> build(const ModelSpec& m, std::vector<uint8_t>& image) {
  gguf::Writer writer;
  writer.set("general.architecture", MetaValue::string(m.arch));
  for (const auto& [key, value] : m.keys) writer.set(key, value);
  std::vector<std::vector<uint8_t>> storage;
  uint32_t seed = 1;
  for (const auto& [name, t] : m.tensors) {
    int64_t n = 1;
    for (int64_t d : t.ne) n *= d;
    const QuantTypeInfo& info = quant_type_info(t.type);
    const std::vector<float> values = random_floats(static_cast<size_t>(n), seed++, 0.1f);
    std::vector<uint8_t> bytes(static_cast<size_t>(n / info.block_size * info.type_size));
    if (info.quantize_row) info.quantize_row(values.data(), bytes.data(), n);
    storage.push_back(std::move(bytes));
    Status added = writer.add_tensor(name, t.type, t.ne, storage.back().data());
    if (!added) return added.error();
  }
  auto bytes = writer.write_memory();
  if (!bytes) return bytes.error();
  image = std::move(bytes).value();
  auto file = gguf::GgufFile::from_memory(image.data(), image.size());
  if (!file) return file.error();
  return engine::Model::from_gguf(std::move(file).value());
}

void expect_error(const ModelSpec& m, ErrorCode code, const std::string& mentions) {
  std::vector<uint8_t> image;
  auto model = build(m, image);
  REQUIRE_FALSE(model);
  INFO("error: " << model.error().message());
  CHECK(model.error().code() == code);
  CHECK(model.error().message().find(mentions) != std::string::npos);
}

}  // namespace

TEST_CASE("the valid synthetic model loads and runs", "[load]") {
  std::vector<uint8_t> image;
  auto model = build(valid_llama(), image);
  REQUIRE(model);
  auto session = engine::Session::create(*model, {});
  REQUIRE(session);
  const int32_t tokens[] = {1, 2, 3};
  std::vector<float> rows(3 * kVocab);
  REQUIRE((*session)->eval(tokens, 3, rows.data()));
  CHECK((*session)->logits().n_vocab == kVocab);
  CHECK(std::equal(rows.end() - kVocab, rows.end(), (*session)->logits().data));
}

TEST_CASE("unsupported architecture", "[load]") {
  ModelSpec m = valid_llama();
  m.arch = "gpt2";
  expect_error(m, ErrorCode::kUnsupported, "gpt2");
}

TEST_CASE("absurd hyper-parameters are load errors", "[load]") {
  SECTION("n_head = 0") {
    ModelSpec m = valid_llama();
    m.keys["llama.attention.head_count"] = MetaValue::u32(0);
    expect_error(m, ErrorCode::kMalformedFile, "head_count");
  }
  SECTION("head counts that do not divide") {
    ModelSpec m = valid_llama();
    m.keys["llama.attention.head_count"] = MetaValue::u32(3);
    m.keys["llama.attention.head_count_kv"] = MetaValue::u32(2);
    expect_error(m, ErrorCode::kMalformedFile, "does not divide");
  }
  SECTION("context 2^40") {
    ModelSpec m = valid_llama();
    m.keys["llama.context_length"] = MetaValue::u64(uint64_t{1} << 40);
    std::vector<uint8_t> image;
    auto model = build(m, image);
    REQUIRE_FALSE(model);
    CHECK(model.error().message().find("context_length") != std::string::npos);
  }
  SECTION("context beyond the supported maximum") {
    ModelSpec m = valid_llama();
    m.keys["llama.context_length"] = MetaValue::u32(uint32_t{1} << 31);
    expect_error(m, ErrorCode::kMalformedFile, "context_length");
  }
  SECTION("n_layer > 512") {
    ModelSpec m = valid_llama();
    m.keys["llama.block_count"] = MetaValue::u32(513);
    expect_error(m, ErrorCode::kMalformedFile, "block_count");
  }
  SECTION("missing rms epsilon") {
    ModelSpec m = valid_llama();
    m.keys.erase("llama.attention.layer_norm_rms_epsilon");
    std::vector<uint8_t> image;
    auto model = build(m, image);
    REQUIRE_FALSE(model);
    CHECK(model.error().message().find("layer_norm_rms_epsilon") != std::string::npos);
  }
  SECTION("head size above the kernels' limit") {
    ModelSpec m = valid_llama();
    m.keys["llama.attention.key_length"] = MetaValue::u32(4096);
    expect_error(m, ErrorCode::kMalformedFile, "key_length");
  }
  SECTION("llama with partial rotary") {
    ModelSpec m = valid_llama();
    m.keys["llama.rope.dimension_count"] = MetaValue::u32(16);
    expect_error(m, ErrorCode::kMalformedFile, "rope.dimension_count");
  }
  SECTION("per-layer head counts that differ") {
    ModelSpec m = valid_llama();
    m.keys["llama.block_count"] = MetaValue::u32(2);
    m.keys["llama.attention.head_count"] = MetaValue::i32_array({2, 4});
    expect_error(m, ErrorCode::kUnsupported, "differs between layers");
  }
}

TEST_CASE("tensor problems are load errors naming the tensor", "[load]") {
  SECTION("missing tensor") {
    ModelSpec m = valid_llama();
    m.tensors.erase("blk.0.ffn_down.weight");
    expect_error(m, ErrorCode::kMalformedFile, "blk.0.ffn_down.weight");
  }
  SECTION("missing layer for the block count") {
    ModelSpec m = valid_llama();
    m.keys["llama.block_count"] = MetaValue::u32(2);
    expect_error(m, ErrorCode::kMalformedFile, "blk.1.attn_norm.weight");
  }
  SECTION("wrong shape") {
    ModelSpec m = valid_llama();
    m.tensors["blk.0.attn_k.weight"] = {GgmlType::F32, {kEmbd, 2 * kHeadDim}};
    expect_error(m, ErrorCode::kMalformedFile, "blk.0.attn_k.weight");
  }
  SECTION("embedding rows do not match the vocabulary") {
    ModelSpec m = valid_llama();
    m.tensors["token_embd.weight"] = {GgmlType::F32, {kEmbd, kVocab + 1}};
    expect_error(m, ErrorCode::kMalformedFile, "token_embd.weight");
  }
  SECTION("weight type without a kernel") {
    ModelSpec m = valid_llama();
    m.tensors["blk.0.attn_q.weight"] = {GgmlType::I32, {kEmbd, kHeads * kHeadDim}};
    expect_error(m, ErrorCode::kUnsupported, "blk.0.attn_q.weight");
  }
  SECTION("bias tensors the forward pass does not apply") {
    ModelSpec m = valid_llama();
    m.tensors["blk.0.attn_q.bias"] = {GgmlType::F32, {kHeads * kHeadDim}};
    expect_error(m, ErrorCode::kUnsupported, "blk.0.attn_q.bias");
  }
  SECTION("tensors the architecture does not have") {
    ModelSpec m = valid_llama();
    m.tensors["rope_factors_long.weight"] = {GgmlType::F32, {kHeadDim / 2}};
    expect_error(m, ErrorCode::kUnsupported, "rope_factors_long.weight");
    m = valid_llama();
    m.tensors["blk.1.attn_norm.weight"] = {GgmlType::F32, {kEmbd}};
    expect_error(m, ErrorCode::kUnsupported, "blk.1.attn_norm.weight");
  }
  SECTION("the fused Q/K/V layout loads for llama too") {
    ModelSpec m = valid_llama();
    for (const char* name : {"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"})
      m.tensors.erase(name);
    m.tensors["blk.0.attn_qkv.weight"] = {GgmlType::F32,
                                          {kEmbd, (kHeads + 2 * kHeadsKv) * kHeadDim}};
    std::vector<uint8_t> image;
    auto model = build(m, image);
    REQUIRE(model);
    CHECK((*model)->layers()[0].fused_qkv);
  }
  SECTION("quantized norm weights") {
    ModelSpec m = valid_llama();
    m.tensors["blk.0.ffn_norm.weight"] = {GgmlType::F16, {kEmbd}};
    expect_error(m, ErrorCode::kUnsupported, "blk.0.ffn_norm.weight");
  }
  SECTION("float weights need no block multiple (n_embd 40)") {
    ModelSpec m = valid_llama();
    m.keys["llama.embedding_length"] = MetaValue::u32(40);
    m.keys["llama.attention.key_length"] = MetaValue::u32(kHeadDim);
    m.keys["llama.attention.value_length"] = MetaValue::u32(kHeadDim);
    m.tensors["token_embd.weight"] = {GgmlType::F32, {40, kVocab}};
    m.tensors["output_norm.weight"] = {GgmlType::F32, {40}};
    m.tensors["blk.0.attn_norm.weight"] = {GgmlType::F32, {40}};
    m.tensors["blk.0.ffn_norm.weight"] = {GgmlType::F32, {40}};
    m.tensors["blk.0.attn_q.weight"] = {GgmlType::F32, {40, kHeads * kHeadDim}};
    m.tensors["blk.0.attn_k.weight"] = {GgmlType::F32, {40, kHeadDim}};
    m.tensors["blk.0.attn_v.weight"] = {GgmlType::F32, {40, kHeadDim}};
    m.tensors["blk.0.attn_output.weight"] = {GgmlType::F32, {kHeads * kHeadDim, 40}};
    m.tensors["blk.0.ffn_gate.weight"] = {GgmlType::F16, {40, kFf}};
    m.tensors["blk.0.ffn_up.weight"] = {GgmlType::F32, {40, kFf}};
    m.tensors["blk.0.ffn_down.weight"] = {GgmlType::F32, {kFf, 40}};
    std::vector<uint8_t> image;
    auto model = build(m, image);
    REQUIRE(model);
    auto session = engine::Session::create(*model, {});
    REQUIRE(session);
    const int32_t token = 3;
    CHECK((*session)->eval(&token, 1));
  }
}

TEST_CASE("an unknown SHOPTALK_ISA is an error at load", "[load]") {
  const char* previous = std::getenv("SHOPTALK_ISA");
  const std::string saved = previous ? previous : "";
  setenv("SHOPTALK_ISA", "mmx", 1);
  std::vector<uint8_t> image;
  auto model = build(valid_llama(), image);
  if (previous) {
    setenv("SHOPTALK_ISA", saved.c_str(), 1);
  } else {
    unsetenv("SHOPTALK_ISA");
  }
  REQUIRE_FALSE(model);
  CHECK(model.error().code() == ErrorCode::kInvalidArgument);
  CHECK(model.error().message().find("mmx") != std::string::npos);
}

}  // namespace shoptalk::test
