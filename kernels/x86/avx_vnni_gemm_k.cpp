// The avx_vnni level's Q4_K, Q5_K and Q6_K kernels. AVX-VNNI: vpdpbusd, vpdpwssd (VEX).
#include "kernels/x86/avx2_gemm_k.h"
#include "kernels/x86/avx2_kernels.h"
#include "kernels/x86/avx2_prefill.h"

namespace shoptalk::kernels::x86::avx_vnni {

void set_k_kernels(KernelTable& table) {
  set_k<AvxVnniDot>(table);
  set_k_prefill<Ymm<AvxVnniDot>>(table);
}

}  // namespace shoptalk::kernels::x86::avx_vnni
