// The AVX2 kernel table. Vectorized: every weight type's vec_dot except Q2_K, Q3_K and IQ4_XS
// (scalar entries), tiled GEMM for Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_K, Q5_K, Q6_K, all activation
// conversions, the KV-cache row conversions of F16/Q8_0/Q4_0, the float element-wise operations
// except rope_cache (scalar: a sequential product per position) and attention. Packed weights
// (x86.panel4) for the hot types Q4_0, Q8_0, Q5_0, Q4_K, Q5_K, Q6_K.
#include "kernels/packed_layout.h"
#include "kernels/scalar/scalar.h"
#include "kernels/x86/avx2.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {

KernelTable make_avx2_table() {
  using T = GgmlType;
  KernelTable t = scalar_kernels();
  t.isa = Isa::kAvx2;
  auto set = [&t](T type, VecDotFn vec_dot, GemmFn gemm) {
    t.types[static_cast<int>(type)].vec_dot = vec_dot;
    t.types[static_cast<int>(type)].gemm = gemm;
  };
  set(T::F32, vec_dot_f32, nullptr);
  set(T::F16, vec_dot_f16, nullptr);
  set(T::BF16, vec_dot_bf16, nullptr);
  set(T::Q4_0, vec_dot_q4_0_q8_0, gemm_q4_0);
  set(T::Q4_1, vec_dot_q4_1_q8_1, nullptr);
  set(T::Q5_0, vec_dot_q5_0_q8_0, gemm_q5_0);
  set(T::Q5_1, vec_dot_q5_1_q8_1, nullptr);
  set(T::Q8_0, vec_dot_q8_0_q8_0, gemm_q8_0);
  set(T::IQ4_NL, vec_dot_iq4_nl_q8_0, gemm_iq4_nl);
  set(T::Q4_K, vec_dot_q4_k_q8_k, gemm_q4_k);
  set(T::Q5_K, vec_dot_q5_k_q8_k, gemm_q5_k);
  set(T::Q6_K, vec_dot_q6_k_q8_k, gemm_q6_k);

  t.packed_layout = kX86PanelLayout;
  t.types[static_cast<int>(T::Q4_0)].packed_gemm = packed_gemm_q4_0;
  t.types[static_cast<int>(T::Q8_0)].packed_gemm = packed_gemm_q8_0;
  t.types[static_cast<int>(T::Q5_0)].packed_gemm = packed_gemm_q5_0;
  t.types[static_cast<int>(T::Q4_K)].packed_gemm = packed_gemm_q4_k;
  t.types[static_cast<int>(T::Q5_K)].packed_gemm = packed_gemm_q5_k;
  t.types[static_cast<int>(T::Q6_K)].packed_gemm = packed_gemm_q6_k;

  t.types[static_cast<int>(T::F16)].to_float = to_float_f16;
  t.types[static_cast<int>(T::Q8_0)].to_float = to_float_q8_0;
  t.types[static_cast<int>(T::Q4_0)].to_float = to_float_q4_0;

  t.from_float[static_cast<int>(T::F16)] = from_float_f16;
  t.from_float[static_cast<int>(T::BF16)] = from_float_bf16;
  t.from_float[static_cast<int>(T::Q8_0)] = quantize_row_q8_0;
  t.from_float[static_cast<int>(T::Q8_1)] = quantize_row_q8_1;
  t.from_float[static_cast<int>(T::Q8_K)] = quantize_row_q8_k;

  t.rmsnorm = rmsnorm;
  t.rope_apply = rope_apply;
  t.silu_mul = silu_mul;
  t.add = add;
  t.scale = scale;
  t.attention_row = attention_row;
  t.attention_group = attention_group;
  return t;
}

}  // namespace

const KernelTable& avx2_kernels() {
  static const KernelTable table = make_avx2_table();
  return table;
}

}  // namespace shoptalk::kernels::x86
