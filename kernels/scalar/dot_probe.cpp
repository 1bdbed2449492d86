// The scalar level's int8_dot_probe: int8 products summed into int32 as plain C++, the arithmetic
// of the scalar quantized kernels (the compiler may vectorize it for the baseline target, as it
// may theirs). An empty asm makes the operands new every round, so no product leaves the loop.
#include "kernels/scalar/scalar.h"

namespace shoptalk::kernels::scalar {

int64_t int8_dot_probe(int64_t rounds) {
  constexpr int kLanes = 32;
  int8_t a[kLanes], b[kLanes];
  int32_t acc[kLanes] = {};
  for (int i = 0; i < kLanes; ++i) {
    a[i] = static_cast<int8_t>(i - 16);
    b[i] = static_cast<int8_t>(3 * i - 40);
  }
  for (int64_t r = 0; r < rounds; ++r) {
    __asm__("" : : "r"(a), "r"(b) : "memory");
    for (int i = 0; i < kLanes; ++i) acc[i] += a[i] * b[i];
  }
  int32_t total = 0;
  for (int32_t v : acc) total += v;
  __asm__ volatile("" : : "r"(total));  // the sums are used, so the loop is not elided
  return rounds * kLanes;
}

}  // namespace shoptalk::kernels::scalar
