#include "f32_file.h"

#include <cstdio>
#include <memory>

namespace shoptalk::cli {

// Every target shoptalk builds for is little-endian, so the values are written as they are.
Status write_f32_file(const std::string& path, const float* data, size_t count) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), std::fclose);
  if (!f || std::fwrite(data, sizeof(float), count, f.get()) != count)
    return Error(ErrorCode::kIo, "cannot write '" + path + "'");
  return {};
}

}  // namespace shoptalk::cli
