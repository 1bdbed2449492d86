// Parsing "ID ID ..." token lists given on the command line.
#pragma once

#include <string>
#include <vector>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk::cli {

// Whitespace- or comma-separated decimal ids; anything else is a kInvalidArgument error.
Result<std::vector<Token>> parse_token_list(const std::string& text);

}  // namespace shoptalk::cli
