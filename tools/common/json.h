// JSON for the command-line programs, shoptalk-bench and the tests (tokenizer check files, sensor
// readings, tier tables, reference manifests, machine-readable output): nlohmann/json from
// Debian's nlohmann-json3-dev. The library itself never uses it. Objects keep their members in
// document (or insertion) order, so output lists fields in the order they are written.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "shoptalk/result.hpp"

namespace shoptalk::json {

using Json = nlohmann::ordered_json;

// Parses one JSON text (surrounding whitespace allowed). Malformed input may come from users: it
// is a kInvalidArgument Error whose message says where and why, never an exception.
Result<Json> parse(std::string_view text);

// The member `key` of an object, or a null value when `value` is not an object or lacks it (so
// lookups into untrusted documents chain without checks; nlohmann's const operator[] requires
// the key to exist).
const Json& member(const Json& value, const std::string& key);

// A float as the double nearest its 9-digit decimal, so that it prints as the float it is
// (1e-06 as 9.99999997e-07, not 9.999999974752427e-07).
double float_number(float value);

// The text of a value, without a trailing newline: compact, or with members and elements on
// their own lines indented by `indent` spaces. Invalid UTF-8 in strings (GGUF metadata holds raw
// bytes) becomes U+FFFD instead of throwing.
std::string dump(const Json& value, int indent = -1);

}  // namespace shoptalk::json
