#include "text_file.h"

#include <fstream>
#include <iostream>
#include <iterator>

namespace shoptalk::cli {

Result<std::string> read_text_file(const std::string& path, const std::string& what) {
  if (path == "-")
    return std::string((std::istreambuf_iterator<char>(std::cin)),
                       std::istreambuf_iterator<char>());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot open " + what + " '" + path + "'");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read " + what + " '" + path + "'");
  return text;
}

}  // namespace shoptalk::cli
