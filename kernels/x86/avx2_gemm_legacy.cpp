// The avx2 level's Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_1 and Q5_1 kernels. AVX2: maddubs + madd.
#include "kernels/x86/avx2_gemm_legacy.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_prefill.h"

namespace shoptalk::kernels::x86::avx2 {

void set_legacy_kernels(KernelTable& table) {
  set_legacy<MaddubsDot>(table);
  set_legacy_prefill<Ymm<MaddubsDot>>(table);
}

}  // namespace shoptalk::kernels::x86::avx2
