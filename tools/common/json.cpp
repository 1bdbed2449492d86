#include "json.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shoptalk::json {

Result<Json> parse(std::string_view text) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    // Malformed text (parse_error) or a number out of range. what() is
    // "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; the bracketed id
    // means nothing to a user.
    const char* what = e.what();
    const char* message = std::strstr(what, "] ");
    return Error(ErrorCode::kInvalidArgument, message ? message + 2 : what);
  }
}

const Json& member(const Json& value, const std::string& key) {
  static const Json kNull;
  if (!value.is_object()) return kNull;
  const auto it = value.find(key);
  return it == value.end() ? kNull : *it;
}

double float_number(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", static_cast<double>(value));
  return std::strtod(text, nullptr);
}

std::string dump(const Json& value, int indent) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace shoptalk::json
