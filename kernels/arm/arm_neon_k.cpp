// The neon level's Q4_K, Q5_K and Q6_K kernels: ARMv8.0 NEON (and armv7 NEON): widening multiplies
// and pairwise adds.
#include "kernels/arm/arm_k.h"
#include "kernels/arm/arm_kernels.h"

namespace shoptalk::kernels::arm::neon {

namespace {
template <class K, class Fold>
using Kernel = KTile<K, NeonDot, Fold>;
}  // namespace

void set_k_kernels(KernelTable& table) {
  set_k<Kernel>(table);
}

}  // namespace shoptalk::kernels::arm::neon
