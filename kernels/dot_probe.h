// The int8_dot_probe algorithm, written once for every SIMD level: the level's int8 dot step in six
// independent chains on register operands. Each chain has its own operand pair, so the compiler
// cannot share one step between chains, and Ops::refresh (an empty asm) makes the operands new
// every round, so no step leaves the loop; only each chain's accumulation is serial.
//
// Ops supplies Operand and Acc (vector types), splat(int8) -> Operand, zero() and add(Acc, Acc),
// dot(Acc, Operand, Operand) (the level's step), refresh(Operand&), keep(Acc) (marks the sum used)
// and kMacsPerStep.
#pragma once

#include <cstdint>

namespace shoptalk::kernels {

template <class Ops>
int64_t dot_probe(int64_t rounds) {
  constexpr int kChains = 6;  // with their five operands, in registers even with sixteen of them
  typename Ops::Operand u[2] = {Ops::splat(3), Ops::splat(7)};
  typename Ops::Operand s[3] = {Ops::splat(-5), Ops::splat(9), Ops::splat(-11)};
  typename Ops::Acc acc[kChains];
  for (auto& a : acc) a = Ops::zero();
  for (int64_t r = 0; r < rounds; ++r) {
    for (auto& v : u) Ops::refresh(v);
    for (auto& v : s) Ops::refresh(v);
#pragma GCC unroll 6
    for (int c = 0; c < kChains; ++c) acc[c] = Ops::dot(acc[c], u[c % 2], s[c / 2]);
  }
  typename Ops::Acc total = acc[0];
  for (int c = 1; c < kChains; ++c) total = Ops::add(total, acc[c]);
  Ops::keep(total);
  return rounds * kChains * Ops::kMacsPerStep;
}

}  // namespace shoptalk::kernels
