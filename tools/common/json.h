// JSON values and a strict reader, for the command-line programs (tokenizer check files, sensor
// readings, tier tables) and for tests reading reference expectations. Malformed input gives an
// error message, never a crash: it may come from users.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoptalk::json {

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<Value> array;
  std::map<std::string, Value> object;
  std::vector<std::string> keys;  // the object's member names in document order (no duplicates)

  bool is_object() const { return kind == Kind::kObject; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_bool() const { return kind == Kind::kBool; }
  bool has(const std::string& key) const { return object.count(key) != 0; }
  // The member, or a null value when absent (so lookups chain without checks).
  const Value& operator[](const std::string& key) const;
  const Value& operator[](size_t i) const { return array[i]; }
  size_t size() const { return is_array() ? array.size() : object.size(); }
};

struct ParseResult {
  std::optional<Value> value;
  std::string error;  // "offset N: ..." when value is empty
};

// Parses one JSON text (surrounding whitespace allowed). Nesting is limited to 256 levels.
ParseResult parse(std::string_view text);

}  // namespace shoptalk::json
