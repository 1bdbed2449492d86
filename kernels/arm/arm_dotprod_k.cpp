// The dotprod level's Q4_K, Q5_K and Q6_K kernels: ARMv8.2 dotprod: SDOT.
#include "kernels/arm/arm_k.h"
#include "kernels/arm/arm_kernels.h"

namespace shoptalk::kernels::arm::dotprod {

namespace {
template <class K, class Fold>
using Kernel = KTile<K, SdotDot, Fold>;
}  // namespace

void set_k_kernels(KernelTable& table) {
  set_k<Kernel>(table);
}

}  // namespace shoptalk::kernels::arm::dotprod
