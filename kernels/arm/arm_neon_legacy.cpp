// The neon level's Q4_0, Q5_0, Q8_0 and IQ4_NL kernels: ARMv8.0 NEON (and armv7 NEON): widening
// multiplies and pairwise adds.
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_legacy.h"

namespace shoptalk::kernels::arm::neon {

namespace {
template <class V>
using Kernel = LegacyTile<V, NeonDot>;
}  // namespace

void set_legacy_kernels(KernelTable& table) {
  set_legacy<Kernel>(table);
}

}  // namespace shoptalk::kernels::arm::neon
