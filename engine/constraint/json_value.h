// A small JSON document model for reading schemas: members keep their order and every value its
// source offset, so errors can point at "line L, column C". Strict RFC 8259 input (valid UTF-8),
// nesting bounded.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

struct JsonValue {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  struct Member;

  Type type = Type::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // kString: the decoded value; kNumber: the source spelling
  std::vector<JsonValue> items;
  std::vector<Member> members;
  size_t offset = 0;  // where the value starts in the source

  bool is_object() const { return type == Type::kObject; }
  bool is_array() const { return type == Type::kArray; }
  bool is_string() const { return type == Type::kString; }
  bool is_number() const { return type == Type::kNumber; }
  bool is_bool() const { return type == Type::kBool; }
  // A number with no fractional part (1 and 1.0 both).
  bool is_integer() const;
  // The member's value, nullptr when absent (or not an object).
  const JsonValue* find(std::string_view key) const;
  const Member* find_member(std::string_view key) const;
};

struct JsonValue::Member {
  std::string key;
  size_t key_offset = 0;
  JsonValue value;
};

// Equality as JSON Schema defines it: numbers by value, objects regardless of member order.
bool json_equal(const JsonValue& a, const JsonValue& b);
// Compact JSON text: members in their order, strings in the canonical escaping, numbers as
// written in the source.
std::string json_serialize(const JsonValue& v);

constexpr int kMaxJsonDepth = 128;

// Errors: "<what>: line L, column C: ...". Duplicate member names are an error unless allowed
// (JSON allows them; a schema must not have them).
Result<JsonValue> parse_json(std::string_view text, std::string_view what,
                             bool allow_duplicates = false);

}  // namespace shoptalk::engine::constraint
