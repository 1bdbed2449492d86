// The i8mm level's Q4_0, Q5_0, Q8_0 and IQ4_NL kernels: SMMLA for pairs of rows × pairs of tokens
// (prefill), SDOT for single rows and decode. Also the level's int8 dot probe (SMMLA).
#include "kernels/arm/arm_dot_probe.h"
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_legacy.h"

namespace shoptalk::kernels::arm::i8mm {

namespace {
template <class V, class Fold>
using Kernel = PairedKernel<LegacyTile<V, SdotDot, Fold>, MmlaLegacyTile<V, Fold>>;
}  // namespace

void set_legacy_kernels(KernelTable& table) {
  set_legacy<Kernel>(table);
  table.int8_dot_probe = dot_probe<ArmProbeOps<MmlaDot, 32>>;
}

}  // namespace shoptalk::kernels::arm::i8mm
