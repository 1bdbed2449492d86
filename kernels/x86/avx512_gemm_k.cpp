// The avx512 level's Q4_K, Q5_K and Q6_K kernels. AVX-512 VNNI on 256-bit vectors: vpdpbusd,
// vpdpwssd (EVEX).
#include "kernels/x86/avx2_gemm_k.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_prefill.h"

namespace shoptalk::kernels::x86::avx512 {

void set_k_kernels(KernelTable& table) {
  set_k<Avx512VnniDot>(table);
  set_k_prefill<Zmm>(table);
}

}  // namespace shoptalk::kernels::x86::avx512
