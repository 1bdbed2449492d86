// shoptalk synth: tensor plans and quant mixes of the real models (docs/models.md,
// docs/formats.md), agreement with llama-quantize on the reference models, and small files
// written, parsed and loaded.
#include <catch2/catch.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "engine/synth/model_plan.h"
#include "engine/synth/quant_mix.h"
#include "engine/synth/vocab_synth.h"
#include "engine/tokenizer/vocab.h"
#include "formats/gguf.h"
#include "formats/quant_table.h"
#include "shoptalk/shoptalk.hpp"
#include "shoptalk/synth.hpp"
#include "test_support.h"

namespace shoptalk {
namespace {

using synth::ModelPlan;
using synth::PlannedTensor;

ModelPlan plan_of(const std::string& preset, const std::string& quant) {
  SynthOptions o;
  o.preset = preset;
  o.quant = quant;
  Result<ModelPlan> plan = synth::plan_model(o);
  INFO(preset << " " << quant << ": " << (plan ? "" : plan.error().message()));
  REQUIRE(plan);
  return *plan;
}

const PlannedTensor* find(const ModelPlan& plan, const std::string& name) {
  for (const PlannedTensor& t : plan.tensors)
    if (t.name == name) return &t;
  return nullptr;
}

// Bytes in tenths of a MiB, rounded half to even as docs/models.md rounds them (0.25 MiB of
// norms is "0.2").
long tenth_mib(uint64_t bytes) {
  return static_cast<long>(std::nearbyint(static_cast<double>(bytes) / (1 << 20) * 10));
}

std::map<std::string, long> tenth_mib_by_type(const ModelPlan& plan) {
  std::map<std::string, uint64_t> bytes;
  for (const PlannedTensor& t : plan.tensors) bytes[quant_type_info(t.type).name] += t.data_bytes();
  std::map<std::string, long> out;
  for (const auto& [type, n] : bytes) out[type] = tenth_mib(n);
  return out;
}

uint64_t parameters(const ModelPlan& plan) {
  uint64_t n = 0;
  for (const PlannedTensor& t : plan.tensors) n += static_cast<uint64_t>(t.ne[0] * t.rows());
  return n;
}

SynthOptions tiny(const std::string& arch, const std::string& quant) {
  SynthOptions o;
  o.architecture = arch;
  o.quant = quant;
  o.n_embd = 256;
  o.n_layer = arch == "smollm3" ? 4 : 2;
  o.n_head = 4;
  o.n_head_kv = arch == "smollm3" ? 1 : 2;
  o.n_ff = 512;
  o.n_vocab = 600;
  o.context = 4096;
  return o;
}

}  // namespace

TEST_CASE("synth: Qwen3-0.6B Q4_K_M has the real tensor list, shapes and bytes", "[synth]") {
  const ModelPlan plan = plan_of("qwen3-0.6b", "q4_k_m");
  CHECK(plan.tensors.size() == 310);
  CHECK(find(plan, "output.weight") == nullptr);
  CHECK(plan.tensor_bytes() == 390753280u);
  CHECK(parameters(plan) == 596049920u);

  const PlannedTensor* embd = find(plan, "token_embd.weight");
  REQUIRE(embd);
  CHECK(embd->ne == std::vector<int64_t>{1024, 151936});
  CHECK(embd->type == GgmlType::Q6_K);
  const PlannedTensor* q = find(plan, "blk.0.attn_q.weight");
  REQUIRE(q);
  CHECK(q->ne == std::vector<int64_t>{1024, 2048});
  CHECK(q->type == GgmlType::Q4_K);
  CHECK(find(plan, "blk.0.attn_output.weight")->ne == std::vector<int64_t>{2048, 1024});
  CHECK(find(plan, "blk.0.attn_k.weight")->ne == std::vector<int64_t>{1024, 1024});
  CHECK(find(plan, "blk.27.attn_q_norm.weight")->ne == std::vector<int64_t>{128});
  CHECK(find(plan, "blk.27.attn_q_norm.weight")->type == GgmlType::F32);
  CHECK(find(plan, "blk.3.ffn_down.weight")->ne == std::vector<int64_t>{3072, 1024});
  // use_more_bits layers for 28 blocks: 0,1,2,5,8,...,23,24,25,26,27.
  CHECK(find(plan, "blk.5.attn_v.weight")->type == GgmlType::Q6_K);
  CHECK(find(plan, "blk.6.attn_v.weight")->type == GgmlType::Q4_K);
  CHECK(find(plan, "blk.24.ffn_down.weight")->type == GgmlType::Q6_K);
  CHECK(find(plan, "blk.22.ffn_down.weight")->type == GgmlType::Q4_K);
  // llama-quantize order: global tensors by name, then layer by layer.
  CHECK(plan.tensors[0].name == "output_norm.weight");
  CHECK(plan.tensors[1].name == "token_embd.weight");
  CHECK(plan.tensors[2].name == "blk.0.attn_k.weight");
  CHECK(plan.tensors.back().name == "blk.27.ffn_up.weight");
}

TEST_CASE("synth: tensor bytes of every preset match docs/models.md exactly", "[synth]") {
  struct Row {
    const char* preset;
    size_t tensors;
    uint64_t params, q4_0, q4_k_m, q8_0;
    double q5_k_m_mib, f16_mib;
  };
  const Row rows[] = {
      {"qwen3-0.6b", 310, 596049920, 375614464, 390753280, 633495552, 418.2, 1137.0},
      {"qwen3-1.7b", 310, 1720574976, 1048471552, 1101457408, 1828474880, 1193.9, 3282.0},
      {"qwen3-4b", 398, 4022468096, 2363590144, 2491323904, 4274448384, 2750.0, 7672.6},
      {"phi-4-mini", 196, 3836021856, 2316899712, 2485589376, 4076360064, 2676.4, 7317.0},
      {"smollm2-135m", 272, 134515008, 89941248, 103668480, 143025408, 105.2, 256.6},
      {"smollm2-360m", 290, 361821120, 227331840, 268803840, 384618240, 274.8, 690.2},
      {"smollm2-1.7b", 218, 1711376384, 988946432, 1053827072, 1818632192, 1167.0, 3264.4},
      {"smollm3-3b", 326, 3075098624, 1797976064, 1907462144, 3267731456, 2103.7, 5865.6},
  };
  for (const Row& r : rows) {
    INFO(r.preset);
    const ModelPlan q4_k_m = plan_of(r.preset, "q4_k_m");
    CHECK(q4_k_m.tensors.size() == r.tensors);
    CHECK(parameters(q4_k_m) == r.params);
    CHECK(q4_k_m.tensor_bytes() == r.q4_k_m);
    CHECK(plan_of(r.preset, "q4_0").tensor_bytes() == r.q4_0);
    CHECK(plan_of(r.preset, "q8_0").tensor_bytes() == r.q8_0);
    CHECK(tenth_mib(plan_of(r.preset, "q5_k_m").tensor_bytes()) == std::lround(r.q5_k_m_mib * 10));
    CHECK(tenth_mib(plan_of(r.preset, "f16").tensor_bytes()) == std::lround(r.f16_mib * 10));
    CHECK(tenth_mib(plan_of(r.preset, "bf16").tensor_bytes()) == std::lround(r.f16_mib * 10));
  }
}

TEST_CASE("synth: per-type byte breakdown matches docs/models.md", "[synth]") {
  using Mix = std::map<std::string, long>;
  struct Row {
    const char* preset;
    const char* quant;
    Mix mix;  // tenths of a MiB per type
  };
  const std::vector<Row> rows = {
      {"qwen3-0.6b", "q4_0", {{"q4_0", 2362}, {"q6_K", 1217}, {"f32", 2}}},
      {"qwen3-0.6b", "q4_k_m", {{"q4_K", 2048}, {"q6_K", 1677}, {"f32", 2}}},
      {"qwen3-0.6b", "q8_0", {{"q8_0", 6039}, {"f32", 2}}},
      {"qwen3-1.7b", "q4_0", {{"q4_0", 7560}, {"q6_K", 2434}, {"f32", 5}}},
      {"qwen3-1.7b", "q4_k_m", {{"q4_K", 6458}, {"q6_K", 4042}, {"f32", 5}}},
      {"qwen3-4b", "q4_0", {{"q4_0", 19491}, {"q6_K", 3043}, {"f32", 7}}},
      {"qwen3-4b", "q4_k_m", {{"q4_K", 16833}, {"q6_K", 6919}, {"f32", 7}}},
      {"qwen3-4b", "q8_0", {{"q8_0", 40757}, {"f32", 7}}},
      {"phi-4-mini", "q4_0", {{"q4_0", 17280}, {"q6_K", 4808}, {"f32", 8}}},
      {"phi-4-mini", "q4_k_m", {{"q4_K", 13770}, {"q6_K", 9927}, {"f32", 8}}},
      {"smollm2-135m", "q4_0", {{"q4_0", 570}, {"q8_0", 287}, {"f32", 1}}},
      {"smollm2-135m",
       "q4_k_m",
       {{"q5_0", 512}, {"q8_0", 303}, {"q6_K", 97}, {"q4_K", 76}, {"f32", 1}}},
      {"smollm2-360m", "q4_0", {{"q4_0", 1688}, {"q8_0", 478}, {"f32", 2}}},
      {"smollm2-360m",
       "q4_k_m",
       {{"q5_0", 1515}, {"q8_0", 528}, {"q6_K", 308}, {"q4_K", 211}, {"f32", 2}}},
      {"smollm2-1.7b", "q4_0", {{"q4_0", 8640}, {"q6_K", 788}, {"f32", 4}}},
      {"smollm2-1.7b", "q4_k_m", {{"q4_K", 7290}, {"q6_K", 2756}, {"f32", 4}}},
      {"smollm3-3b", "q4_0", {{"q4_0", 15086}, {"q6_K", 2055}, {"f32", 6}}},
      {"smollm3-3b", "q4_k_m", {{"q4_K", 12808}, {"q6_K", 5377}, {"f32", 6}}},
      {"smollm3-3b", "q8_0", {{"q8_0", 31158}, {"f32", 6}}},
  };
  for (const Row& r : rows) {
    INFO(r.preset << " " << r.quant);
    CHECK(tenth_mib_by_type(plan_of(r.preset, r.quant)) == r.mix);
  }
}

TEST_CASE("synth: use_more_bits layer sets (docs/formats.md)", "[synth]") {
  const std::map<int, std::vector<int>> expected = {
      {24, {0, 1, 2, 5, 8, 11, 14, 17, 20, 21, 22, 23}},
      {28, {0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 24, 25, 26, 27}},
      {30, {0, 1, 2, 5, 8, 11, 14, 17, 20, 23, 26, 27, 28, 29}},
      {32, {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}},
      {36, {0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 31, 32, 33, 34, 35}},
  };
  for (const auto& [n, layers] : expected) {
    std::vector<int> got;
    for (int i = 0; i < n; ++i)
      if (synth::use_more_bits(i, n)) got.push_back(i);
    CHECK(got == layers);
  }
}

TEST_CASE("synth: per-tensor rules and shape fallbacks of the K-quant presets", "[synth]") {
  using synth::FileType;
  using synth::TensorCategory;
  auto type = [](FileType ft, TensorCategory c, int index, int count, int n_gqa, int64_t row) {
    synth::TensorSite s;
    s.category = c;
    s.index = index;
    s.count = count;
    s.n_gqa = n_gqa;
    s.row_length = row;
    Result<GgmlType> t = synth::quantized_tensor_type(ft, s);
    REQUIRE(t);
    return *t;
  };
  // Tied token_embd is the output: Q6_K, Q8_0 stays Q8_0, and 576-wide rows fall back to Q8_0.
  CHECK(type(FileType::kQ4_0, TensorCategory::kTokenEmbd, 0, 1, 2, 1024) == GgmlType::Q6_K);
  CHECK(type(FileType::kQ8_0, TensorCategory::kTokenEmbd, 0, 1, 2, 1024) == GgmlType::Q8_0);
  CHECK(type(FileType::kQ4_0, TensorCategory::kTokenEmbd, 0, 1, 3, 576) == GgmlType::Q8_0);
  CHECK(type(FileType::kIQ4_XS, TensorCategory::kTokenEmbd, 0, 1, 2, 1024) == GgmlType::Q6_K);
  // Fallbacks: Q4_K -> Q5_0, Q5_K -> Q5_1, Q6_K -> Q8_0, Q3_K -> Q4_0, IQ4_XS -> IQ4_NL, and F16
  // when even the fallback's 32-element blocks do not fit.
  CHECK(type(FileType::kQ4_K_M, TensorCategory::kAttnQ, 0, 30, 3, 576) == GgmlType::Q5_0);
  CHECK(type(FileType::kQ5_K_M, TensorCategory::kAttnQ, 0, 30, 3, 576) == GgmlType::Q5_1);
  CHECK(type(FileType::kQ4_K_M, TensorCategory::kAttnV, 0, 30, 3, 576) == GgmlType::Q8_0);
  CHECK(type(FileType::kQ3_K_S, TensorCategory::kFfnUp, 0, 30, 3, 576) == GgmlType::Q4_0);
  CHECK(type(FileType::kIQ4_XS, TensorCategory::kFfnUp, 0, 30, 3, 576) == GgmlType::IQ4_NL);
  CHECK(type(FileType::kQ4_K_M, TensorCategory::kAttnQ, 0, 30, 3, 200) == GgmlType::F16);
  // Preset-specific rules.
  CHECK(type(FileType::kQ2_K, TensorCategory::kAttnV, 5, 28, 4, 1024) == GgmlType::Q4_K);
  CHECK(type(FileType::kQ2_K, TensorCategory::kAttnV, 5, 28, 2, 1024) == GgmlType::Q3_K);
  CHECK(type(FileType::kQ2_K, TensorCategory::kFfnDown, 5, 28, 2, 3072) == GgmlType::Q3_K);
  CHECK(type(FileType::kQ2_K, TensorCategory::kAttnOutput, 5, 28, 2, 2048) == GgmlType::Q3_K);
  CHECK(type(FileType::kQ3_K_M, TensorCategory::kAttnV, 1, 28, 2, 1024) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ3_K_M, TensorCategory::kAttnV, 2, 28, 2, 1024) == GgmlType::Q4_K);
  CHECK(type(FileType::kQ3_K_M, TensorCategory::kFfnDown, 0, 28, 2, 3072) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ3_K_M, TensorCategory::kFfnDown, 1, 28, 2, 3072) == GgmlType::Q4_K);
  CHECK(type(FileType::kQ3_K_L, TensorCategory::kAttnOutput, 9, 28, 2, 2048) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ3_K_S, TensorCategory::kAttnV, 0, 28, 2, 1024) == GgmlType::Q3_K);
  CHECK(type(FileType::kQ4_K_S, TensorCategory::kAttnV, 3, 28, 2, 1024) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ4_K_S, TensorCategory::kAttnV, 4, 28, 2, 1024) == GgmlType::Q4_K);
  CHECK(type(FileType::kQ4_K_S, TensorCategory::kFfnDown, 2, 28, 2, 3072) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ4_K_S, TensorCategory::kFfnDown, 3, 28, 2, 3072) == GgmlType::Q4_K);
  CHECK(type(FileType::kIQ4_NL, TensorCategory::kAttnV, 9, 36, 4, 2560) == GgmlType::Q5_K);
  CHECK(type(FileType::kIQ4_XS, TensorCategory::kAttnV, 9, 36, 2, 2560) == GgmlType::IQ4_XS);
  CHECK(type(FileType::kIQ4_XS, TensorCategory::kFfnDown, 3, 36, 4, 9728) == GgmlType::Q5_K);
  CHECK(type(FileType::kQ6_K, TensorCategory::kAttnV, 0, 28, 2, 1024) == GgmlType::Q6_K);
  CHECK(type(FileType::kBF16, TensorCategory::kTokenEmbd, 0, 1, 2, 576) == GgmlType::BF16);
  // Only the base type has no fallback: 48-wide rows cannot be Q4_0.
  synth::TensorSite narrow;
  narrow.category = TensorCategory::kAttnQ;
  narrow.row_length = 48;
  CHECK_FALSE(synth::quantized_tensor_type(FileType::kQ4_0, narrow));
  CHECK(synth::tensor_category("blk.3.attn_k.weight") == TensorCategory::kAttnK);
  CHECK(synth::tensor_category("blk.3.attn_k_norm.weight") == TensorCategory::kOther);
  CHECK_FALSE(synth::is_quantizable("blk.3.attn_k_norm.weight", 2));
  CHECK_FALSE(synth::is_quantizable("output_norm.weight", 1));
}

TEST_CASE("synth: plans match llama-quantize's files of the reference models", "[synth]") {
  std::vector<std::string> files = test::list_reference("reference/models", ".gguf");
  for (const std::string& next : test::list_reference("reference/models-next", ".gguf"))
    files.push_back(next);
  if (files.empty()) {
    WARN("reference models absent; skipped");
    return;
  }
  for (const std::string& relative : files) {
    INFO(relative);
    Result<gguf::GgufFile> file = gguf::GgufFile::open(*test::find_reference(relative));
    REQUIRE(file);
    const std::string arch(*file->get_string("general.architecture"));
    const std::string p = arch + ".";
    Result<engine::Vocab> vocab = engine::load_vocab(*file);
    REQUIRE(vocab);
    const engine::FamilySpec* family = engine::find_arch_spec(arch)->family_of_vocab(
        [&](const char* token) { return vocab->find(token) >= 0; });
    REQUIRE(family);
    SynthOptions o;
    o.architecture = arch;
    o.family = std::string(family->name);
    o.n_embd = static_cast<int>(*file->get_u32(p + "embedding_length"));
    o.n_layer = static_cast<int>(*file->get_u32(p + "block_count"));
    o.n_head = static_cast<int>(*file->get_u32(p + "attention.head_count"));
    o.n_head_kv = static_cast<int>(*file->get_u32(p + "attention.head_count_kv"));
    o.head_dim = static_cast<int>(*file->get_u32_or(p + "attention.key_length", 0));
    o.n_ff = static_cast<int>(*file->get_u32(p + "feed_forward_length"));
    o.n_vocab = static_cast<int>((*file->get_string_array("tokenizer.ggml.tokens"))->size());
    // "qwen3-Q4_K_M.gguf" -> "q4_k_m"
    const size_t dash = relative.rfind('-');
    o.quant = relative.substr(dash + 1, relative.size() - dash - 1 - 5);
    for (char& c : o.quant) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    Result<ModelPlan> plan = synth::plan_model(o);
    REQUIRE(plan);
    REQUIRE(plan->tensors.size() == file->tensors().size());
    // The F32 files were written directly (converter order); llama-quantize wrote the others.
    const bool quantize_order = o.quant != "f32";
    for (size_t i = 0; i < plan->tensors.size(); ++i) {
      const PlannedTensor& want = plan->tensors[i];
      INFO(want.name);
      const gguf::TensorInfo* got = file->find_tensor(want.name);
      REQUIRE(got);
      if (quantize_order) CHECK(file->tensors()[i].name == want.name);
      CHECK(got->type == want.type);
      CHECK(std::vector<int64_t>(got->ne, got->ne + got->n_dims) == want.ne);
    }
    CHECK(*file->get_u32("general.file_type") == static_cast<uint32_t>(plan->quant.file_type));
    if (arch == "phi3") CHECK(*file->get_u32(p + "rope.dimension_count") == plan->shape.n_rot);
  }
}

TEST_CASE(
    "synth: Qwen2.5, Llama-3.2, Phi-3-mini and Qwen3-Embedding presets have the real models' "
    "tensors",
    "[synth]") {
  struct Row {
    const char* preset;
    size_t tensors;
    uint64_t params;  // the Hugging Face model's, plus Llama-3.2's rope_freqs
  };
  const Row rows[] = {
      {"qwen2.5-0.5b", 290, 494032768},       {"qwen2.5-1.5b", 338, 1543714304},
      {"llama-3.2-1b", 147, 1235814400 + 32}, {"llama-3.2-3b", 255, 3212749824 + 64},
      {"phi-3-mini", 195, 3821079552},        {"qwen3-embedding-0.6b", 310, 595776512}};
  for (const Row& r : rows) {
    INFO(r.preset);
    const ModelPlan plan = plan_of(r.preset, "q4_k_m");
    CHECK(plan.tensors.size() == r.tensors);
    CHECK(parameters(plan) == r.params);
  }
  const ModelPlan qwen = plan_of("qwen2.5-0.5b", "q4_0");
  CHECK(find(qwen, "blk.23.attn_k.bias")->ne == std::vector<int64_t>{128});
  CHECK(find(qwen, "blk.23.attn_k.bias")->type == GgmlType::F32);
  CHECK(find(qwen, "output.weight") == nullptr);
  const ModelPlan phi = plan_of("phi-3-mini", "q4_0");
  CHECK(find(phi, "output.weight")->type == GgmlType::Q6_K);
  CHECK(find(phi, "token_embd.weight")->type == GgmlType::Q4_0);
  CHECK(find(phi, "rope_factors_long.weight") == nullptr);
  CHECK(find(phi, "blk.0.attn_qkv.weight")->ne == std::vector<int64_t>{3072, 9216});
  // The converter's Llama-3 factors for base 500000, 64 rotated dimensions, factor 32.
  const ModelPlan llama = plan_of("llama-3.2-1b", "q4_k_m");
  const PlannedTensor* freqs = find(llama, "rope_freqs.weight");
  REQUIRE(freqs);
  REQUIRE(freqs->values.size() == 32);
  for (size_t i = 0; i < 32; ++i) {
    const float expected = i < 15    ? 1.0f
                           : i == 15 ? 1.6513292f
                           : i == 16 ? 3.2922626f
                           : i == 17 ? 9.6667299f
                                     : 32.0f;
    CHECK(freqs->values[i] == Approx(expected).epsilon(1e-6));
  }
  CHECK(find(plan_of("llama-3.2-3b", "q4_k_m"), "rope_freqs.weight")->ne ==
        std::vector<int64_t>{64});
}

TEST_CASE("synth: vocabularies put the families' special tokens at their real ids", "[synth]") {
  Result<synth::SynthVocab> qwen = synth::synthesize_vocab("qwen3", 151936);
  REQUIRE(qwen);
  CHECK(qwen->tokens.size() == 151936);
  CHECK(qwen->types.size() == 151936);
  CHECK(qwen->pre == "qwen2");
  CHECK(qwen->tokens[0] == "!");
  CHECK(qwen->tokens[188] == "\xC4\x80");  // byte 0x00 is U+0100
  CHECK(qwen->tokens[151643] == "<|endoftext|>");
  CHECK(qwen->tokens[151645] == "<|im_end|>");
  CHECK(qwen->tokens[151667] == "<think>");
  CHECK(qwen->types[151667] == synth::kTokenUserDefined);
  CHECK(qwen->types[151644] == synth::kTokenControl);
  CHECK(qwen->tokens[151669] == "[PAD151669]");
  CHECK(qwen->types[151935] == synth::kTokenUnused);
  CHECK(qwen->bos == 151643);
  CHECK(qwen->eos == 151645);
  CHECK(std::set<std::string>(qwen->tokens.begin(), qwen->tokens.end()).size() == 151936);

  Result<synth::SynthVocab> phi = synth::synthesize_vocab("phi3", 200064);
  REQUIRE(phi);
  CHECK(phi->pre == "gpt-4o");
  CHECK(phi->tokens[199999] == "<|endoftext|>");
  CHECK(phi->tokens[200020] == "<|end|>");
  CHECK(phi->tokens[200000] == "[PAD200000]");
  CHECK(phi->eos == 199999);

  Result<synth::SynthVocab> smol = synth::synthesize_vocab("llama", 49152);
  REQUIRE(smol);
  CHECK(smol->pre == "smollm");
  CHECK(smol->tokens[1] == "<|im_start|>");
  CHECK(smol->tokens[17] == "!");
  CHECK(smol->bos == 1);
  CHECK(smol->eos == 2);
  CHECK(smol->unk == 0);

  Result<synth::SynthVocab> smol3 = synth::synthesize_vocab("smollm3", 128256);
  REQUIRE(smol3);
  CHECK(smol3->pre == "llama-bpe");
  CHECK(smol3->tokens[128000] == "<|begin_of_text|>");
  CHECK(smol3->tokens[128012] == "<|im_end|>");
  CHECK(smol3->types[128200] == synth::kTokenControl);
  CHECK(smol3->eos == 128012);

  // Every merge joins two tokens into a third.
  const std::set<std::string> tokens(qwen->tokens.begin(), qwen->tokens.end());
  CHECK(qwen->merges.size() > 100);
  for (const std::string& m : qwen->merges) {
    const size_t space = m.find(' ');
    REQUIRE(space != std::string::npos);
    CHECK(tokens.count(m.substr(0, space)));
    CHECK(tokens.count(m.substr(space + 1)));
    CHECK(tokens.count(m.substr(0, space) + m.substr(space + 1)));
  }
  CHECK_FALSE(synth::synthesize_vocab("qwen3", 200));

  Result<synth::SynthVocab> qwen25 = synth::synthesize_vocab("qwen2", 151936);
  REQUIRE(qwen25);
  CHECK(qwen25->tokens[151664] == "<|file_sep|>");
  CHECK(qwen25->tokens[151665] == "[PAD151665]");
  CHECK(qwen25->eos == 151645);

  Result<synth::SynthVocab> llama3 = synth::synthesize_vocab("llama", 128256, "llama3.2");
  REQUIRE(llama3);
  CHECK(llama3->pre == "llama-bpe");
  CHECK(llama3->tokens[128006] == "<|start_header_id|>");
  CHECK(llama3->bos == 128000);
  CHECK(llama3->eos == 128009);
  CHECK(llama3->add_bos);

  // SentencePiece: <unk> <s> </s>, the byte-fallback tokens, pieces with falling scores.
  Result<synth::SynthVocab> phi3 = synth::synthesize_vocab("phi3", 32064, "phi3-mini");
  REQUIRE(phi3);
  CHECK(phi3->model == engine::VocabModel::kSpm);
  CHECK(phi3->merges.empty());
  CHECK(phi3->scores.size() == 32064);
  CHECK(phi3->tokens[0] == "<unk>");
  CHECK(phi3->types[0] == engine::kTokenUnknown);
  CHECK(phi3->tokens[13] == "<0x0A>");
  CHECK(phi3->types[13] == engine::kTokenByte);
  CHECK(phi3->tokens[260] ==
        "\xE2\x96\x81"
        "aa");
  CHECK(phi3->scores[259] > phi3->scores[260]);
  CHECK(phi3->tokens[32000] == "<|endoftext|>");
  CHECK(phi3->tokens[32010] == "<|user|>");
  CHECK(phi3->tokens[32011] == "[PAD32011]");
  CHECK(phi3->types[32063] == synth::kTokenUnused);
  CHECK(phi3->bos == 1);
  CHECK(phi3->eos == 32000);
  CHECK(phi3->unk == 0);
  CHECK(phi3->add_bos);
}

TEST_CASE("synth: small models of every architecture parse with their planned types", "[synth]") {
  for (const std::string arch : {"qwen3", "llama", "phi3", "smollm3", "qwen2"}) {
    for (const std::string quant : {"f32", "bf16", "q8_0", "q4_1", "q3_k_m", "q4_k_m", "iq4_xs"}) {
      INFO(arch << " " << quant);
      const SynthOptions o = tiny(arch, quant);
      const std::string path = test::temp_path("synth-" + arch + "-" + quant + ".gguf");
      const Status written = synthesize_model(o, path);
      INFO((written ? "" : written.error().message()));
      REQUIRE(written);
      Result<gguf::GgufFile> file = gguf::GgufFile::open(path);
      REQUIRE(file);
      const ModelPlan plan = *synth::plan_model(o);
      REQUIRE(file->tensors().size() == plan.tensors.size());
      for (size_t i = 0; i < plan.tensors.size(); ++i) {
        CHECK(file->tensors()[i].name == plan.tensors[i].name);
        CHECK(file->tensors()[i].type == plan.tensors[i].type);
      }
      CHECK(*file->get_string("general.architecture") == arch);
      CHECK(*file->get_u32("general.quantization_version") == 2);
      CHECK(*file->get_u32(arch + ".block_count") == static_cast<uint32_t>(o.n_layer));
      CHECK((*file->get_string_array("tokenizer.ggml.tokens"))->size() == 600);
      CHECK(file->get_i32_array("tokenizer.ggml.token_type")->size() == 600);
      CHECK(*file->get_string("tokenizer.ggml.model") == "gpt2");
      Result<engine::Vocab> vocab = engine::load_vocab(*file);
      INFO((vocab ? "" : vocab.error().message()));
      CHECK(vocab);
      if (arch == "phi3") {
        CHECK(file->find_tensor("rope_factors_long.weight")->ne[0] == 24);
        CHECK(*file->get_f32("phi3.rope.scaling.attn_factor") == Approx(1.0f));
        CHECK(*file->get_u32("phi3.attention.sliding_window") == 262144);
      }
      std::remove(path.c_str());
    }
  }
}

TEST_CASE("synth: the same seed writes the same bytes; exact mode has the planned spread",
          "[synth]") {
  SynthOptions o = tiny("qwen3", "q4_k_m");
  const std::string a = test::temp_path("synth-seed-a.gguf");
  const std::string b = test::temp_path("synth-seed-b.gguf");
  REQUIRE(synthesize_model(o, a));
  REQUIRE(synthesize_model(o, b));
  CHECK(test::read_file(a) == test::read_file(b));
  o.seed = 2;
  REQUIRE(synthesize_model(o, b));
  CHECK(test::read_file(a) != test::read_file(b));

  o.quant = "f32";
  o.exact_random_weights = true;
  REQUIRE(synthesize_model(o, a));
  Result<gguf::GgufFile> file = gguf::GgufFile::open(a);
  REQUIRE(file);
  auto stats = [&](const char* name) {
    const gguf::TensorInfo* t = file->find_tensor(name);
    REQUIRE(t);
    const auto* v = reinterpret_cast<const float*>(t->data);
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < t->n_elements(); ++i) sum += v[i];
    const double mean = sum / static_cast<double>(t->n_elements());
    for (int64_t i = 0; i < t->n_elements(); ++i) sq += (v[i] - mean) * (v[i] - mean);
    return std::make_pair(mean, std::sqrt(sq / static_cast<double>(t->n_elements())));
  };
  const auto [w_mean, w_std] = stats("blk.0.ffn_up.weight");
  CHECK(std::abs(w_mean) < 0.001);
  CHECK(w_std == Approx(0.02).epsilon(0.02));
  const auto [n_mean, n_std] = stats("blk.1.attn_norm.weight");
  CHECK(n_mean == Approx(1.0).epsilon(0.05));
  CHECK(n_std > 0.05);
  std::remove(a.c_str());
  std::remove(b.c_str());
}

TEST_CASE("synth: small models of every architecture load and run a forward pass", "[synth]") {
  for (const std::string arch : {"qwen3", "llama", "phi3", "smollm3", "qwen2"}) {
    for (const std::string quant : {"f16", "q8_0", "q4_k_m"}) {
      INFO(arch << " " << quant);
      SynthOptions o = tiny(arch, quant);
      o.exact_random_weights = true;
      const std::string path = test::temp_path("synth-run-" + arch + "-" + quant + ".gguf");
      REQUIRE(synthesize_model(o, path));
      Result<Model> model = Model::load(path);
      INFO((model ? "" : model.error().message()));
      REQUIRE(model);
      CHECK(model->info().n_vocab == 600);
      SessionOptions so;
      so.context = 64;
      Result<Session> session = Session::create(*model, so);
      REQUIRE(session);
      Result<std::vector<float>> logits = session->eval({300, 301, 302, 303, 304}, true);
      INFO((logits ? "" : logits.error().message()));
      REQUIRE(logits);
      REQUIRE(logits->size() == 5 * 600);
      size_t finite = 0;
      double energy = 0;
      for (float x : *logits) {
        finite += std::isfinite(x) ? 1 : 0;
        energy += double{x} * x;
      }
      CHECK(finite == logits->size());
      CHECK(energy > 0);
      std::remove(path.c_str());
    }
  }
}

TEST_CASE("synth: bad options give one clear error", "[synth]") {
  const std::string path = test::temp_path("synth-bad.gguf");
  SynthOptions o;
  o.preset = "qwen3-9b";
  CHECK_THAT(synthesize_model(o, path).error().message(), Catch::Contains("unknown preset"));
  o.preset = "qwen3-0.6b";
  o.quant = "q4_k_x";
  CHECK_THAT(synthesize_model(o, path).error().message(), Catch::Contains("unknown quantization"));
  o = SynthOptions{};
  o.architecture = "llama";
  o.n_embd = 256;
  CHECK_THAT(synthesize_model(o, path).error().message(), Catch::Contains("required"));
  o = tiny("llama", "q4_0");
  o.n_head_kv = 3;
  CHECK_THAT(synthesize_model(o, path).error().message(), Catch::Contains("n_head_kv"));
  o = tiny("phi3", "q4_0");
  o.head_dim = 32;
  CHECK_THAT(synthesize_model(o, path).error().message(), Catch::Contains("n_embd"));
  o = tiny("llama", "q4_0");
  o.n_embd = 208;  // 208 % 32 != 0 and Q4_0 has no fallback
  o.n_head = 4;
  CHECK_FALSE(synthesize_model(o, path));
  o = tiny("llama", "q4_0");
  CHECK(synthesize_model(o, "/nonexistent-dir/x.gguf").error().code() == ErrorCode::kIo);
  CHECK(synth_presets().size() == 14);
  CHECK(synth_quant_names().size() == 19);
}

}  // namespace shoptalk
