// The x86 kernel tables. Every level starts from the scalar table and takes the AVX2 kernels
// shared by all levels: vec_dot of F32, F16, BF16, all activation conversions, the KV-cache row
// conversions of F16/Q8_0/Q4_0, the float element-wise operations except rope_cache (scalar: a
// sequential product per position) and attention. Then its own integer vec_dot, GEMM and packed
// GEMM (x86.panel4) of Q4_0, Q5_0, Q8_0, IQ4_NL, Q4_K, Q5_K, Q6_K and vec_dot of Q4_1, Q5_1; the
// AVX-512 level also its prompt attention tile on 512-bit vectors. Scalar entries on every level:
// Q2_K, Q3_K, IQ4_XS. Built for the x86-64 baseline: filling a table only stores function
// addresses.
#include "kernels/packed_layout.h"
#include "kernels/scalar/scalar.h"
#include "kernels/x86/avx2_kernels.h"

namespace shoptalk::kernels::x86 {

namespace {

KernelTable make_table(Isa isa, void (*set_legacy_kernels)(KernelTable&),
                       void (*set_k_kernels)(KernelTable&)) {
  using T = GgmlType;
  KernelTable t = scalar_kernels();
  t.isa = isa;
  t.packed_layout = kX86PanelLayout;
  t.types[static_cast<int>(T::F32)].vec_dot = vec_dot_f32;
  t.types[static_cast<int>(T::F16)].vec_dot = vec_dot_f16;
  t.types[static_cast<int>(T::BF16)].vec_dot = vec_dot_bf16;

  t.types[static_cast<int>(T::F16)].to_float = to_float_f16;
  t.types[static_cast<int>(T::Q8_0)].to_float = to_float_q8_0;
  t.types[static_cast<int>(T::Q4_0)].to_float = to_float_q4_0;

  t.from_float[static_cast<int>(T::F16)] = from_float_f16;
  t.from_float[static_cast<int>(T::BF16)] = from_float_bf16;
  t.from_float[static_cast<int>(T::Q8_0)] = quantize_row_q8_0;
  t.from_float[static_cast<int>(T::Q8_1)] = quantize_row_q8_1;
  t.from_float[static_cast<int>(T::Q8_K)] = quantize_row_q8_k;
  t.act_sums[static_cast<int>(T::Q8_0)] = act_sums_q8_0;
  t.act_sums[static_cast<int>(T::Q8_K)] = act_sums_q8_k;

  t.rmsnorm = rmsnorm;
  t.rope_apply = rope_apply;
  t.silu_mul = silu_mul;
  t.add = add;
  t.scale = scale;
  t.attention_row = attention_row;
  t.attention_group = attention_group;
  t.attention_tile = attention_tile;
  set_legacy_kernels(t);
  set_k_kernels(t);
  return t;
}

}  // namespace

const KernelTable& avx2_table() {
  static const KernelTable table =
      make_table(Isa::kAvx2, avx2::set_legacy_kernels, avx2::set_k_kernels);
  return table;
}

#if defined(SHOPTALK_HAVE_AVX_VNNI_KERNELS)
const KernelTable& avx_vnni_table() {
  static const KernelTable table =
      make_table(Isa::kAvxVnni, avx_vnni::set_legacy_kernels, avx_vnni::set_k_kernels);
  return table;
}
#endif

#if defined(SHOPTALK_HAVE_AVX512_KERNELS)
const KernelTable& avx512_table() {
  static const KernelTable table = [] {
    KernelTable t = make_table(Isa::kAvx512, avx512::set_legacy_kernels, avx512::set_k_kernels);
    t.attention_tile = avx512::attention_tile;
    return t;
  }();
  return table;
}
#endif

}  // namespace shoptalk::kernels::x86
