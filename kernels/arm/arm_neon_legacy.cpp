// The neon level's Q4_0, Q5_0, Q8_0 and IQ4_NL kernels: ARMv8.0 NEON (and armv7 NEON): widening
// multiplies and pairwise adds. Also the level's int8 dot probe.
#include "kernels/arm/arm_dot_probe.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_legacy.h"

namespace shoptalk::kernels::arm::neon {

namespace {
template <class V, class Fold>
using Kernel = LegacyTile<V, NeonDot, Fold>;
}  // namespace

void set_legacy_kernels(KernelTable& table) {
  set_legacy<Kernel>(table);
  table.int8_dot_probe = dot_probe<ArmProbeOps<NeonDot, 16>>;
}

}  // namespace shoptalk::kernels::arm::neon
