#include "test_support.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace shoptalk::test {

namespace fs = std::filesystem;

namespace {
// SHOPTALK_SHARED_DIR in the environment replaces the configured shared folder; set empty, the
// tests read tests/data alone (the representative subset, as on a clean clone): CI's 32-bit ARM
// runs under emulation use it for time (docs/cross-building.md).
std::vector<fs::path> roots() {
  const char* shared = std::getenv("SHOPTALK_SHARED_DIR");
  if (!shared) return {fs::path(SHOPTALK_SHARED_DIR), fs::path(SHOPTALK_TEST_DATA_DIR)};
  if (!*shared) return {fs::path(SHOPTALK_TEST_DATA_DIR)};
  return {fs::path(shared), fs::path(SHOPTALK_TEST_DATA_DIR)};
}
}  // namespace

std::optional<std::string> find_reference(const std::string& relative) {
  for (const fs::path& root : roots()) {
    const fs::path p = root / relative;
    if (fs::is_regular_file(p)) return p.string();
  }
  return std::nullopt;
}

std::vector<std::string> list_reference(const std::string& relative_dir,
                                        const std::string& suffix) {
  for (const fs::path& root : roots()) {
    const fs::path dir = root / relative_dir;
    if (!fs::is_directory(dir)) continue;
    std::vector<std::string> out;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      const std::string name = entry.path().string();
      if (entry.is_regular_file() && name.size() >= suffix.size() &&
          name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
        out.push_back(fs::relative(entry.path(), root).string());
    }
    std::sort(out.begin(), out.end());
    if (!out.empty()) return out;
  }
  return {};
}

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<float> read_f32_file(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  std::vector<float> out(bytes.size() / sizeof(float));
  std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(out.size() * sizeof(float)),
            reinterpret_cast<uint8_t*>(out.data()));
  return out;
}

std::string temp_path(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("shoptalk-test-" + std::to_string(getpid()));
  fs::create_directories(dir);
  return (dir / name).string();
}

}  // namespace shoptalk::test
