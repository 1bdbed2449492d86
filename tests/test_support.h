// Helpers shared by the tests: locating reference data, reading logits files, random data.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace shoptalk::test {

// The full path of a reference file given relative to the shared folder
// ("reference/models/qwen3/qwen3-Q8_0.gguf"): from ../shared when it is there, else from
// tests/data (which mirrors the same relative layout for the files the repo ships); nullopt if
// neither has it.
std::optional<std::string> find_reference(const std::string& relative);

// Every relative path under `relative_dir` that ends in `suffix`, from ../shared if present,
// else from tests/data. Sorted.
std::vector<std::string> list_reference(const std::string& relative_dir, const std::string& suffix);

std::vector<float> read_f32_file(const std::string& path);
std::vector<uint8_t> read_file(const std::string& path);
std::string temp_path(const std::string& name);

inline std::vector<float> random_floats(size_t n, uint32_t seed, float scale = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

}  // namespace shoptalk::test
