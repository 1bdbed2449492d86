// The avx2 level's Q4_K, Q5_K and Q6_K kernels. AVX2: maddubs + madd.
#include "kernels/x86/avx2_gemm_k.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_prefill.h"

namespace shoptalk::kernels::x86::avx2 {

void set_k_kernels(KernelTable& table) {
  set_k<MaddubsDot>(table);
  set_k_prefill<Ymm<MaddubsDot>>(table);
}

}  // namespace shoptalk::kernels::x86::avx2
