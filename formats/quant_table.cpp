#include "formats/quant_table.h"

#include <cctype>

#include "formats/reference_quants.h"

namespace shoptalk {

namespace {
using namespace reference;
using T = GgmlType;

// Indexed by type id. Types shoptalk does not compute with keep their geometry (so files holding
// them still parse and size correctly) but have no routines.
constexpr QuantTypeInfo kTable[kGgmlTypeCount] = {
    {T::F32, "f32", 1, 4, dequantize_row_f32, quantize_row_f32},
    {T::F16, "f16", 1, 2, dequantize_row_f16, quantize_row_f16},
    {T::Q4_0, "q4_0", 32, 18, dequantize_row_q4_0, quantize_row_q4_0},
    {T::Q4_1, "q4_1", 32, 20, dequantize_row_q4_1, quantize_row_q4_1},
    {GgmlType(4), nullptr, 0, 0, nullptr, nullptr},  // Q4_2, removed
    {GgmlType(5), nullptr, 0, 0, nullptr, nullptr},  // Q4_3, removed
    {T::Q5_0, "q5_0", 32, 22, dequantize_row_q5_0, quantize_row_q5_0},
    {T::Q5_1, "q5_1", 32, 24, dequantize_row_q5_1, quantize_row_q5_1},
    {T::Q8_0, "q8_0", 32, 34, dequantize_row_q8_0, quantize_row_q8_0},
    {T::Q8_1, "q8_1", 32, 36, dequantize_row_q8_1, quantize_row_q8_1},
    {T::Q2_K, "q2_K", 256, 84, dequantize_row_q2_k, quantize_row_q2_k},
    {T::Q3_K, "q3_K", 256, 110, dequantize_row_q3_k, quantize_row_q3_k},
    {T::Q4_K, "q4_K", 256, 144, dequantize_row_q4_k, quantize_row_q4_k},
    {T::Q5_K, "q5_K", 256, 176, dequantize_row_q5_k, quantize_row_q5_k},
    {T::Q6_K, "q6_K", 256, 210, dequantize_row_q6_k, quantize_row_q6_k},
    {T::Q8_K, "q8_K", 256, 292, dequantize_row_q8_k, quantize_row_q8_k},
    {T::IQ2_XXS, "iq2_xxs", 256, 66, nullptr, nullptr},
    {T::IQ2_XS, "iq2_xs", 256, 74, nullptr, nullptr},
    {T::IQ3_XXS, "iq3_xxs", 256, 98, nullptr, nullptr},
    {T::IQ1_S, "iq1_s", 256, 50, nullptr, nullptr},
    {T::IQ4_NL, "iq4_nl", 32, 18, dequantize_row_iq4_nl, quantize_row_iq4_nl},
    {T::IQ3_S, "iq3_s", 256, 110, nullptr, nullptr},
    {T::IQ2_S, "iq2_s", 256, 82, nullptr, nullptr},
    {T::IQ4_XS, "iq4_xs", 256, 136, dequantize_row_iq4_xs, quantize_row_iq4_xs},
    {T::I8, "i8", 1, 1, nullptr, nullptr},
    {T::I16, "i16", 1, 2, nullptr, nullptr},
    {T::I32, "i32", 1, 4, nullptr, nullptr},
    {T::I64, "i64", 1, 8, nullptr, nullptr},
    {T::F64, "f64", 1, 8, nullptr, nullptr},
    {T::IQ1_M, "iq1_m", 256, 56, nullptr, nullptr},
    {T::BF16, "bf16", 1, 2, dequantize_row_bf16, quantize_row_bf16},
    {GgmlType(31), nullptr, 0, 0, nullptr, nullptr},  // Q4_0_4_4, removed
    {GgmlType(32), nullptr, 0, 0, nullptr, nullptr},  // Q4_0_4_8, removed
    {GgmlType(33), nullptr, 0, 0, nullptr, nullptr},  // Q4_0_8_8, removed
    {T::TQ1_0, "tq1_0", 256, 54, nullptr, nullptr},
    {T::TQ2_0, "tq2_0", 256, 66, nullptr, nullptr},
    {GgmlType(36), nullptr, 0, 0, nullptr, nullptr},  // IQ4_NL_4_4, removed
    {GgmlType(37), nullptr, 0, 0, nullptr, nullptr},  // IQ4_NL_4_8, removed
    {GgmlType(38), nullptr, 0, 0, nullptr, nullptr},  // IQ4_NL_8_8, removed
    {T::MXFP4, "mxfp4", 32, 17, nullptr, nullptr},
    {T::NVFP4, "nvfp4", 64, 36, nullptr, nullptr},
    {T::Q1_0, "q1_0", 128, 18, nullptr, nullptr},
    {T::Q2_0, "q2_0", 64, 18, nullptr, nullptr},
};

constexpr bool table_is_indexed_by_id() {
  for (int i = 0; i < kGgmlTypeCount; ++i)
    if (static_cast<int>(kTable[i].type) != i) return false;
  return true;
}
static_assert(table_is_indexed_by_id(), "kTable[i] must describe type id i");
}  // namespace

const QuantTypeInfo* quant_type_info(int32_t type_id) {
  if (type_id < 0 || type_id >= kGgmlTypeCount) return nullptr;
  return &kTable[type_id];
}

const QuantTypeInfo& quant_type_info(GgmlType type) {
  return kTable[static_cast<int>(type)];
}

std::optional<GgmlType> quant_type_from_name(std::string_view name) {
  for (const QuantTypeInfo& info : kTable) {
    if (!info.name || std::string_view(info.name).size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < name.size() && same; ++i)
      same = std::tolower(static_cast<unsigned char>(name[i])) ==
             std::tolower(static_cast<unsigned char>(info.name[i]));
    if (same) return info.type;
  }
  return std::nullopt;
}

}  // namespace shoptalk
