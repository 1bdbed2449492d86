// The ISA level registry (kernels/isa_levels.cmake, generated into kernels/level_table.h's
// kIsaRegistry) and the start-up choice made from it. SHOPTALK_EXPECT_ISA (set by the cross
// builds' kernels_test_<cpu> entries, one qemu CPU model per ARM level) names the level the
// dispatcher must pick with SHOPTALK_ISA unset, and the only level such a run checks
// (table_checks::checks_level); a level not built or that the CPU lacks must be a clear error,
// never a crash. Each level's prefill entries are checked here against the scalar formulation,
// whichever family the level belongs to.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <set>
#include <string>

#include "kernels/kernels.h"
#include "kernels/level_table.h"
#include "table_checks.h"

namespace shoptalk::kernels {

TEST_CASE("the registry lists every level once, indexed by its Isa", "[kernels]") {
  std::set<std::string> names;
  for (int i = 0; i < kIsaCount; ++i) {
    const IsaEntry& level = kIsaRegistry[i];
    INFO(level.name);
    CHECK(static_cast<int>(level.isa) == i);
    CHECK(names.insert(level.name).second);
    CHECK(std::string(isa_name(level.isa)) == level.name);
    CHECK(static_cast<int>(level.base) <= i);
    if (level.cpu_has) CHECK(*level.cpu_needs != '\0');
  }
  CHECK(std::string(isa_name(Isa::kAvxVnni)) == "avx_vnni");
  REQUIRE(kIsaRegistry[0].isa == Isa::kScalar);
  REQUIRE(kIsaRegistry[0].table != nullptr);
}

TEST_CASE("every level is its own table or a clear error", "[kernels]") {
  for (const IsaEntry& level : kIsaRegistry) {
    INFO(level.name);
    const Result<const KernelTable*> table = kernels_for(level.isa);
    if (table) {
      CHECK((*table)->isa == level.isa);
      continue;
    }
    CHECK(table.error().code() == ErrorCode::kUnsupported);
    const std::string message = table.error().message();
    CHECK(message.find(std::string("'") + level.name + "'") != std::string::npos);
    if (level.table) {
      CHECK(message.find(level.cpu_needs) != std::string::npos);
      CHECK(message.find("which this CPU lacks") != std::string::npos);
    } else {
      CHECK(message.find("not compiled into this build") != std::string::npos);
    }
  }
}

TEST_CASE(
    "every level's prefill kernels equal the scalar formulation for any tiling and thread "
    "count",
    "[kernels]") {
  const KernelTable& scalar = scalar_kernels();
  for (const IsaEntry& level : kIsaRegistry) {
    // The scalar level is the reference (scalar_kernels_test.cpp).
    if (level.isa == Isa::kScalar || !table_checks::checks_level(level.isa)) continue;
    const Result<const KernelTable*> table = kernels_for(level.isa);
    if (!table) continue;
    INFO(level.name);
    const std::vector<GgmlType> types = table_checks::prefill_types(**table);
    for (GgmlType type : types) CHECK(scalar.types[static_cast<int>(type)].prefill != nullptr);
    table_checks::check_prefill(**table, types);
  }
}

TEST_CASE("the levels form a ladder: a CPU that runs a level runs the one it builds on",
          "[kernels]") {
  for (const IsaEntry& level : kIsaRegistry) {
    INFO(level.name);
    if (kernels_for(level.isa)) CHECK(kernels_for(level.base));
  }
}

TEST_CASE("with SHOPTALK_ISA unset the dispatcher picks the last level that runs", "[kernels]") {
  const char* requested = std::getenv("SHOPTALK_ISA");
  if (requested && *requested) {
    const Result<Isa> isa = isa_from_env();
    REQUIRE(isa);
    CHECK(std::string(isa_name(*isa)) == requested);
    return;
  }
  Isa best = Isa::kScalar;
  for (const IsaEntry& level : kIsaRegistry)
    if (kernels_for(level.isa)) best = level.isa;
  const Result<Isa> isa = isa_from_env();
  REQUIRE(isa);
  CHECK(*isa == best);
  CHECK(active_kernels().isa == best);
}

TEST_CASE("the dispatcher picks the level CI expects for this CPU model", "[kernels]") {
  const char* expected = std::getenv("SHOPTALK_EXPECT_ISA");
  if (!expected || !*expected) {
    WARN("SHOPTALK_EXPECT_ISA unset: the dispatcher's choice is not checked");
    return;
  }
  const Result<Isa> isa = isa_from_env();
  REQUIRE(isa);
  CHECK(std::string(isa_name(*isa)) == expected);
  CHECK(std::string(isa_name(active_kernels().isa)) == expected);
}

}  // namespace shoptalk::kernels
