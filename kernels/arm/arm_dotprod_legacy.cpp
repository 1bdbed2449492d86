// The dotprod level's Q4_0, Q5_0, Q8_0 and IQ4_NL kernels: ARMv8.2 dotprod: SDOT.
#include "kernels/arm/arm_kernels.h"
#include "kernels/arm/arm_legacy.h"

namespace shoptalk::kernels::arm::dotprod {

namespace {
template <class V>
using Kernel = LegacyTile<V, SdotDot>;
}  // namespace

void set_legacy_kernels(KernelTable& table) {
  set_legacy<Kernel>(table);
}

}  // namespace shoptalk::kernels::arm::dotprod
