// The ARM tables (NEON, dotprod, i8mm) against the scalar reference table (table_checks.h), the
// GEMM with SMMLA pair tiles on i8mm. Each level the CPU (or qemu's QEMU_CPU model) lacks, or that
// is not built (x86), is skipped with a warning.
#include <catch2/catch.hpp>
#include <vector>

#include "formats/blocks.h"
#include "kernels/kernels.h"
#include "table_checks.h"

namespace shoptalk::kernels {

namespace {

// The ARM tables this build and CPU run, from the registry.
std::vector<const KernelTable*> arm_tables() {
  return table_checks::family_tables("arm");
}

const std::vector<GgmlType> kGemmTypes = {GgmlType::Q4_0,   GgmlType::Q5_0, GgmlType::Q8_0,
                                          GgmlType::IQ4_NL, GgmlType::Q4_K, GgmlType::Q5_K,
                                          GgmlType::Q6_K};

}  // namespace

TEST_CASE("ARM vec_dot matches the scalar reference for every vectorized type", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_vec_dot(
        *arm, {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q5_0,
               GgmlType::Q8_0, GgmlType::Q4_K, GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_NL});
  }
}

TEST_CASE("ARM Q8_0 weights with -128 quants keep exact integer sums", "[kernels][arm]") {
  const KernelTable& ref = scalar_kernels();
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    const int64_t n = 96;
    std::vector<BlockQ8_0> w(static_cast<size_t>(n / kQK));
    for (BlockQ8_0& b : w) {
      b.d = 0x3C00;  // 1.0
      for (int8_t& q : b.qs) q = -128;
    }
    std::vector<float> a(static_cast<size_t>(n), -3.0f);
    const std::vector<uint8_t> aq = table_checks::convert(ref, GgmlType::Q8_0, a);
    const TypeKernels& tk = arm->types[static_cast<int>(GgmlType::Q8_0)];
    CHECK(tk.vec_dot(n, w.data(), aq.data()) ==
          ref.types[static_cast<int>(GgmlType::Q8_0)].vec_dot(n, w.data(), aq.data()));
  }
}

TEST_CASE("ARM GEMM equals its vec_dot for any tiling and 1, 2, 3 threads", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    for (GgmlType type : kGemmTypes) CHECK(arm->types[static_cast<int>(type)].gemm != nullptr);
    table_checks::check_gemm(*arm, kGemmTypes);
  }
}

#if defined(__aarch64__)
// The prefill entries themselves are checked with every level's (isa_registry_test.cpp); this pins
// that the aarch64 levels have them (armv7 has none yet: kernels/arm/arm_table.cpp).
TEST_CASE("the aarch64 levels have prefill kernels for the hot weight types", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    CHECK(table_checks::prefill_types(*arm) ==
          std::vector<GgmlType>{GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::Q4_K,
                                GgmlType::Q5_K, GgmlType::Q6_K});
  }
}
#endif

TEST_CASE("ARM activation conversions are bit-identical to the scalar ones", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_activation_conversions(*arm);
  }
}

TEST_CASE("ARM KV-cache rows convert back to float exactly", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_kv_rows_to_float(*arm);
  }
}

TEST_CASE("ARM float operations match the scalar ones", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_float_ops(*arm);
  }
}

TEST_CASE("ARM attention_row matches the scalar one for F16, Q8_0 and Q4_0 caches",
          "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_attention_row(*arm);
  }
}

TEST_CASE("ARM int8 peak probes count six chains of 16 (SMMLA: 32) multiply-adds",
          "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_int8_dot_probe(*arm, 6 * (arm->isa == Isa::kI8mm ? 32 : 16));
  }
}

TEST_CASE("ARM attention_tile equals the scalar reference bit for bit", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_attention_tile(*arm);
  }
}

TEST_CASE("ARM attention_group matches the scalar one", "[kernels][arm]") {
  for (const KernelTable* arm : arm_tables()) {
    INFO(isa_name(arm->isa));
    table_checks::check_attention_group(*arm);
  }
}

}  // namespace shoptalk::kernels
