// The i8mm level's Q4_K, Q5_K and Q6_K kernels: SMMLA for pairs of rows × pairs of tokens
// (prefill), SDOT for single rows and decode.
#include "kernels/arm/arm_k.h"
#include "kernels/arm/arm_kernels.h"

namespace shoptalk::kernels::arm::i8mm {

namespace {
template <class K, class Fold>
using Kernel = PairedKernel<KTile<K, SdotDot, Fold>, MmlaKTile<K, Fold>>;
}  // namespace

void set_k_kernels(KernelTable& table) {
  set_k<Kernel>(table);
}

}  // namespace shoptalk::kernels::arm::i8mm
