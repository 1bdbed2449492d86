// Platform-independent pseudo-random numbers for synthetic weights: the same seed gives the same
// bytes with any compiler and standard library (std::normal_distribution does not promise that).
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

namespace shoptalk::synth {

// SplitMix64's finalizer: a well-mixed 64-bit hash of x.
inline uint64_t mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// A seed for a sub-stream `index` of stream `seed`.
inline uint64_t derive_seed(uint64_t seed, uint64_t index) {
  return mix64(seed ^ mix64(index));
}

// FNV-1a of a name, to derive per-tensor seeds that do not depend on tensor order.
inline uint64_t name_hash(std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : name) h = (h ^ static_cast<uint8_t>(c)) * 0x100000001B3ull;
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    state_ += 0x9E3779B97F4A7C15ull;
    return mix64(state_);
  }
  // Uniform in (0, 1).
  double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }
  // Standard normal (Box-Muller).
  float gaussian() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double r = std::sqrt(-2.0 * std::log(uniform()));
    const double a = 6.283185307179586 * uniform();
    spare_ = static_cast<float>(r * std::sin(a));
    has_spare_ = true;
    return static_cast<float>(r * std::cos(a));
  }

 private:
  uint64_t state_;
  float spare_ = 0.0f;
  bool has_spare_ = false;
};

}  // namespace shoptalk::synth
