// The ARM kernel tables. Every level starts from the scalar table and takes the NEON kernels shared
// by all levels: activation conversion (Q8_0, Q8_K, BF16, and F16 on aarch64), the KV-cache rows
// back to float, F32/BF16 (and F16 on aarch64) dot products, the xsimd float operations except
// rope_cache (scalar: a sequential product per position) and attention (the prompt tile on
// aarch64). Then its own integer vec_dot and GEMM of Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_K, Q5_K and Q6_K,
// and on aarch64 the prefill of all of them but IQ4_NL. Scalar entries on every level: Q4_1, Q5_1,
// Q2_K, Q3_K, IQ4_XS, the Q8_1 conversion and the activation side sums (act_sums: the matmul driver
// takes a prefill entry only with them; the ARM kernels themselves do not read them). Built for the
// target's baseline: filling a table only stores function addresses.
#include "kernels/arm/arm_kernels.h"
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::arm {

namespace {

KernelTable make_table(Isa isa, void (*set_legacy)(KernelTable&), void (*set_k)(KernelTable&)) {
  using T = GgmlType;
  KernelTable t = scalar_kernels();
  t.isa = isa;
  t.types[static_cast<int>(T::F32)].vec_dot = vec_dot_f32;
  t.types[static_cast<int>(T::BF16)].vec_dot = vec_dot_bf16;
  t.types[static_cast<int>(T::Q8_0)].to_float = to_float_q8_0;
  t.types[static_cast<int>(T::Q4_0)].to_float = to_float_q4_0;
  t.from_float[static_cast<int>(T::BF16)] = from_float_bf16;
  t.from_float[static_cast<int>(T::Q8_0)] = quantize_row_q8_0;
  t.from_float[static_cast<int>(T::Q8_K)] = quantize_row_q8_k;
#if defined(__aarch64__)
  t.types[static_cast<int>(T::F16)].vec_dot = vec_dot_f16;
  t.types[static_cast<int>(T::F16)].to_float = to_float_f16;
  t.from_float[static_cast<int>(T::F16)] = from_float_f16;
  t.attention_tile = attention_tile;
#endif
  t.rmsnorm = rmsnorm;
  t.rope_apply = rope_apply;
  t.silu_mul = silu_mul;
  t.add = add;
  t.scale = scale;
  t.attention_row = attention_row;
  set_legacy(t);
  set_k(t);
#if !defined(__aarch64__)
  // armv7: the prefill entries are not yet checked under qemu-arm; batches take the GEMM kernels.
  for (TypeKernels& entry : t.types) entry.prefill = nullptr;
  for (ActSumsFn& sums : t.act_sums) sums = nullptr;
#endif
  return t;
}

}  // namespace

const KernelTable& neon_table() {
  static const KernelTable table =
      make_table(Isa::kNeon, neon::set_legacy_kernels, neon::set_k_kernels);
  return table;
}

#if defined(SHOPTALK_HAVE_DOTPROD_KERNELS)
const KernelTable& dotprod_table() {
  static const KernelTable table =
      make_table(Isa::kDotprod, dotprod::set_legacy_kernels, dotprod::set_k_kernels);
  return table;
}
#endif

#if defined(SHOPTALK_HAVE_I8MM_KERNELS)
const KernelTable& i8mm_table() {
  static const KernelTable table =
      make_table(Isa::kI8mm, i8mm::set_legacy_kernels, i8mm::set_k_kernels);
  return table;
}
#endif

}  // namespace shoptalk::kernels::arm
