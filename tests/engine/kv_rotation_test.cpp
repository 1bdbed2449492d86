// The Hadamard rotation of quantized KV caches (engine/model/kv_rotation.h).
#include "engine/model/kv_rotation.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

namespace shoptalk::test {

using engine::KvRotation;

TEST_CASE("KV rotation: only for quantized caches with a head size multiple of 64", "[kv]") {
  CHECK(KvRotation(GgmlType::F16, 128).n_k() == 0);
  CHECK(KvRotation(GgmlType::F16, 128).n_v() == 0);
  CHECK(KvRotation(GgmlType::Q8_0, 96).n_k() == 0);
  CHECK(KvRotation(GgmlType::Q8_0, 96).n_v() == 0);
  // K: the largest power of two >= 64 dividing the head size; V: 64.
  CHECK(KvRotation(GgmlType::Q8_0, 64).n_k() == 64);
  CHECK(KvRotation(GgmlType::Q4_0, 128).n_k() == 128);
  CHECK(KvRotation(GgmlType::Q4_0, 128).n_v() == 64);
  CHECK(KvRotation(GgmlType::Q8_0, 192).n_k() == 64);
  CHECK(KvRotation(GgmlType::Q8_0, 256).n_k() == 256);
}

TEST_CASE("KV rotation: blockwise orthonormal Walsh-Hadamard matrix, its own inverse", "[kv]") {
  const KvRotation rot(GgmlType::Q8_0, 128);  // K blocks of 128, V blocks of 64
  std::vector<float> x(256);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(0.37f * static_cast<float>(i)) * 3.0f;
  for (int n : {rot.n_k(), rot.n_v()}) {
    std::vector<float> y = x;
    if (n == rot.n_k()) {
      rot.rotate_k(y.data(), static_cast<int64_t>(y.size()));
    } else {
      rot.rotate_v(y.data(), static_cast<int64_t>(y.size()));
    }
    // H[i][j] = (-1)^popcount(i & j) / sqrt(n) in natural (Sylvester) order.
    for (size_t b = 0; b < x.size(); b += static_cast<size_t>(n))
      for (int i = 0; i < n; ++i) {
        double expected = 0.0;
        for (int j = 0; j < n; ++j) {
          const double sign = (__builtin_popcount(static_cast<unsigned>(i & j)) & 1) ? -1.0 : 1.0;
          expected += sign * x[b + static_cast<size_t>(j)];
        }
        expected /= std::sqrt(static_cast<double>(n));
        CHECK(y[b + static_cast<size_t>(i)] == Approx(expected).margin(1e-5));
      }
    if (n == rot.n_k()) {
      rot.rotate_k(y.data(), static_cast<int64_t>(y.size()));
    } else {
      rot.rotate_v(y.data(), static_cast<int64_t>(y.size()));
    }
    for (size_t i = 0; i < x.size(); ++i) CHECK(y[i] == Approx(x[i]).margin(1e-5));
  }
}

TEST_CASE("KV rotation: none leaves the data alone", "[kv]") {
  const KvRotation rot(GgmlType::F16, 64);
  std::vector<float> x = {1.0f, -2.0f, 3.5f};
  rot.rotate_k(x.data(), 3);
  rot.rotate_v(x.data(), 3);
  CHECK(x == std::vector<float>{1.0f, -2.0f, 3.5f});
}

}  // namespace shoptalk::test
