// Whole-file text input for the command-line programs (prompts, sensor readings, tier tables).
#pragma once

#include <string>

#include "shoptalk/result.hpp"

namespace shoptalk::cli {

// The bytes of the file at `path` ("-" reads standard input); `what` names it in the error
// ("prompt file" -> "cannot open prompt file 'x.txt'").
Result<std::string> read_text_file(const std::string& path, const std::string& what);

}  // namespace shoptalk::cli
