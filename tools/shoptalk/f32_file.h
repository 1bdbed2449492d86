// Writing float32 result files (`shoptalk logits`, `shoptalk embed`): raw little-endian IEEE-754
// values, no header, the layout of the reference files.
#pragma once

#include <cstddef>
#include <string>

#include "shoptalk/result.hpp"

namespace shoptalk::cli {

// Writes `count` floats to `path` (replacing it); kIo when the file cannot be written.
Status write_f32_file(const std::string& path, const float* data, size_t count);

}  // namespace shoptalk::cli
