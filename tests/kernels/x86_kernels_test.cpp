// The AVX2 table against the scalar reference table (table_checks.h). Skipped with a warning where
// the AVX2 table is not built or the CPU lacks AVX2.
#include <catch2/catch.hpp>
#include <string>

#include "kernels/kernels.h"
#include "table_checks.h"

namespace shoptalk::kernels {

namespace {

const KernelTable* avx2_table() {
  Result<const KernelTable*> table = kernels_for(Isa::kAvx2);
  if (!table) {
    WARN("AVX2 kernels unavailable, skipping: " << table.error().message());
    return nullptr;
  }
  return *table;
}

}  // namespace

TEST_CASE("AVX2 vec_dot matches the scalar reference for every vectorized type", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table())
    table_checks::check_vec_dot(
        *avx2, {GgmlType::F32, GgmlType::F16, GgmlType::BF16, GgmlType::Q4_0, GgmlType::Q4_1,
                GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K,
                GgmlType::Q5_K, GgmlType::Q6_K});
}

TEST_CASE("AVX2 GEMM equals its vec_dot for any tiling and 1, 2, 3 threads", "[kernels][x86]") {
  // F16 has no GEMM: the matmul driver falls back to vec_dot.
  if (const KernelTable* avx2 = avx2_table())
    table_checks::check_gemm(
        *avx2, {GgmlType::Q4_0, GgmlType::Q5_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q4_K,
                GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::F16});
}

TEST_CASE("AVX2 activation conversions are bit-identical to the scalar ones", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_activation_conversions(*avx2);
}

TEST_CASE("AVX2 KV-cache rows convert back to float exactly", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_kv_rows_to_float(*avx2);
}

TEST_CASE("AVX2 float operations match the scalar ones", "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_float_ops(*avx2);
}

TEST_CASE("AVX2 attention_row matches the scalar one for F16, Q8_0 and Q4_0 caches",
          "[kernels][x86]") {
  if (const KernelTable* avx2 = avx2_table()) table_checks::check_attention_row(*avx2);
}

TEST_CASE("kernel levels that are not built or not supported give a clear error",
          "[kernels][x86]") {
  // NEON is built (and checked in arm_dispatch_test.cpp) on ARM targets.
#if defined(__aarch64__) || defined(__arm__)
  for (Isa isa : {Isa::kAvxVnni, Isa::kAvx512}) {
#else
  for (Isa isa : {Isa::kAvxVnni, Isa::kAvx512, Isa::kNeon}) {
#endif
    Result<const KernelTable*> table = kernels_for(isa);
    REQUIRE_FALSE(table);
    CHECK(table.error().message().find(isa_name(isa)) != std::string::npos);
  }
  const Result<const KernelTable*> scalar = kernels_for(Isa::kScalar);
  REQUIRE(scalar);
  CHECK((*scalar)->isa == Isa::kScalar);
}

}  // namespace shoptalk::kernels
