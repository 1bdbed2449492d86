// The start-up choice on ARM. SHOPTALK_EXPECT_ISA (set by CI's cross stage per QEMU_CPU model:
// cortex-a53 → neon, cortex-a76 → dotprod, max → i8mm) names the level the dispatcher must pick
// with SHOPTALK_ISA unset; a level the CPU lacks must be a clear error, never a crash.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "kernels/kernels.h"

namespace shoptalk::kernels {

TEST_CASE("the dispatcher picks the level CI expects for this CPU model", "[kernels][arm]") {
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

TEST_CASE("every ARM level is either usable or a clear error", "[kernels][arm]") {
  for (Isa isa : {Isa::kNeon, Isa::kDotprod, Isa::kI8mm}) {
    const Result<const KernelTable*> table = kernels_for(isa);
    INFO(isa_name(isa));
    if (table) {
      CHECK((*table)->isa == isa);
      continue;
    }
    const std::string message = table.error().message();
    CHECK(message.find(isa_name(isa)) != std::string::npos);
    const bool lacks = message.find("which this CPU lacks") != std::string::npos;
    const bool not_built = message.find("not compiled into this build") != std::string::npos;
    CHECK((lacks || not_built));
  }
}

TEST_CASE("the levels form a ladder: a CPU with i8mm or dotprod also runs the ones below",
          "[kernels][arm]") {
  if (!kernels_for(Isa::kNeon)) return;
  if (kernels_for(Isa::kI8mm)) CHECK(kernels_for(Isa::kDotprod));
}

}  // namespace shoptalk::kernels
