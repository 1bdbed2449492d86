// The scalar kernel table: every weight type of the quant-type table that shoptalk multiplies.
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels {

namespace {

KernelTable make_scalar_table() {
  using T = GgmlType;
  KernelTable t;
  t.isa = Isa::kScalar;
  auto set = [&t](T type, T vec_dot_type, VecDotFn vec_dot) {
    t.types[static_cast<int>(type)].vec_dot_type = vec_dot_type;
    t.types[static_cast<int>(type)].vec_dot = vec_dot;
  };
  set(T::F32, T::F32, scalar::vec_dot_f32);
  set(T::F16, T::F16, scalar::vec_dot_f16);
  set(T::BF16, T::BF16, scalar::vec_dot_bf16);
  set(T::Q4_0, T::Q8_0, scalar::vec_dot_q4_0_q8_0);
  set(T::Q4_1, T::Q8_1, scalar::vec_dot_q4_1_q8_1);
  set(T::Q5_0, T::Q8_0, scalar::vec_dot_q5_0_q8_0);
  set(T::Q5_1, T::Q8_1, scalar::vec_dot_q5_1_q8_1);
  set(T::Q8_0, T::Q8_0, scalar::vec_dot_q8_0_q8_0);
  set(T::IQ4_NL, T::Q8_0, scalar::vec_dot_iq4_nl_q8_0);
  set(T::Q2_K, T::Q8_K, scalar::vec_dot_q2_k_q8_k);
  set(T::Q3_K, T::Q8_K, scalar::vec_dot_q3_k_q8_k);
  set(T::Q4_K, T::Q8_K, scalar::vec_dot_q4_k_q8_k);
  set(T::Q5_K, T::Q8_K, scalar::vec_dot_q5_k_q8_k);
  set(T::Q6_K, T::Q8_K, scalar::vec_dot_q6_k_q8_k);
  set(T::IQ4_XS, T::Q8_K, scalar::vec_dot_iq4_xs_q8_k);

  for (int type = 0; type < kGgmlTypeCount; ++type)
    t.types[type].prefill = scalar::prefill_kernel(static_cast<T>(type));
  t.act_sums[static_cast<int>(T::Q8_0)] = scalar::act_sums_q8_0;
  t.act_sums[static_cast<int>(T::Q8_K)] = scalar::act_sums_q8_k;

  t.types[static_cast<int>(T::F32)].to_float = scalar::to_float_f32;
  t.types[static_cast<int>(T::F16)].to_float = scalar::to_float_f16;
  t.types[static_cast<int>(T::BF16)].to_float = scalar::to_float_bf16;
  t.types[static_cast<int>(T::Q8_0)].to_float = scalar::to_float_q8_0;
  t.types[static_cast<int>(T::Q4_0)].to_float = scalar::to_float_q4_0;

  t.from_float[static_cast<int>(T::F32)] = scalar::from_float_f32;
  t.from_float[static_cast<int>(T::F16)] = scalar::from_float_f16;
  t.from_float[static_cast<int>(T::BF16)] = scalar::from_float_bf16;
  t.from_float[static_cast<int>(T::Q8_0)] = scalar::quantize_row_q8_0;
  t.from_float[static_cast<int>(T::Q8_1)] = scalar::quantize_row_q8_1;
  t.from_float[static_cast<int>(T::Q8_K)] = scalar::quantize_row_q8_k;

  t.rmsnorm = scalar::rmsnorm;
  t.rope_cache = scalar::rope_cache;
  t.rope_apply = scalar::rope_apply;
  t.silu_mul = scalar::silu_mul;
  t.add = scalar::add;
  t.scale = scalar::scale;
  t.attention_row = scalar::attention_row;
  t.attention_group = scalar::attention_group;
  t.attention_tile = scalar::attention_tile;
  t.int8_dot_probe = scalar::int8_dot_probe;
  return t;
}

}  // namespace

const KernelTable& scalar_kernels() {
  static const KernelTable table = make_scalar_table();
  return table;
}

}  // namespace shoptalk::kernels
