#include "token_list.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace shoptalk::cli {

Result<std::vector<Token>> parse_token_list(const std::string& text) {
  std::vector<Token> tokens;
  const char* p = text.c_str();
  while (*p) {
    if (std::isspace(static_cast<unsigned char>(*p)) || *p == ',') {
      ++p;
      continue;
    }
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(p, &end, 10);
    if (end == p || errno == ERANGE || v < 0 || v > 0x7FFFFFFF ||
        (*end && !std::isspace(static_cast<unsigned char>(*end)) && *end != ','))
      return Error(ErrorCode::kInvalidArgument,
                   "bad token id near '" + std::string(p).substr(0, 16) + "'");
    tokens.push_back(static_cast<Token>(v));
    p = end;
  }
  if (tokens.empty()) return Error(ErrorCode::kInvalidArgument, "no token ids given");
  return tokens;
}

}  // namespace shoptalk::cli
