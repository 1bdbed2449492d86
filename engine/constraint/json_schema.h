// JSON Schema → grammar, and a validator for the same keyword subset.
//
// Supported keywords: type (a name or a list; `nullable: true` adds null), enum, const,
// properties, required, additionalProperties (false / true / schema), items (schema, or a list
// as in draft 7), prefixItems, additionalItems, minItems, maxItems, minLength, maxLength,
// pattern, format (date, time, date-time, uuid), minimum, maximum, exclusiveMinimum,
// exclusiveMaximum, anyOf, oneOf (when its alternatives provably exclude each other), allOf,
// local $ref ("#", "#/$defs/...", "#/definitions/...", any JSON pointer into the document).
// Annotations are accepted: $schema, $id, $comment, title, description, default, examples,
// deprecated, readOnly, writeOnly, and the containers $defs / definitions. Any other keyword is
// an error naming it. Generation-oriented choices (key order, whitespace, number spellings) are
// listed in docs/constraints.md.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/constraint/grammar.h"
#include "engine/constraint/json_value.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

// Adds the rules of the schema in `text` to `b` (root: the schema's value). `max_indent`: the
// whitespace allowed between tokens (see Options::json_max_indent).
Status compile_json_schema(GrammarBuilder& b, std::string_view text, int max_indent);

// Validates JSON values against schemas of the supported subset (the semantics of the
// specification: any key order, any number spelling). Used to filter enum and const values and
// by the tests as the oracle of generated output.
class SchemaValidator {
 public:
  explicit SchemaValidator(const JsonValue& root);
  ~SchemaValidator();
  bool valid(const JsonValue& schema, const JsonValue& instance);
  bool valid(const JsonValue& instance) { return valid(root_, instance); }

 private:
  bool matches(const std::string& regex, bool search, const std::string& text);
  const JsonValue& root_;
  std::unordered_map<std::string, std::shared_ptr<const Grammar>> regexes_;
};

// The target of a local reference ("#", "#/a/b~1c/0"), nullptr if it does not resolve.
const JsonValue* resolve_ref(const JsonValue& root, std::string_view ref);

// The regular expression of a supported string format (full match), nullptr for others.
const char* format_regex(std::string_view format);

}  // namespace shoptalk::engine::constraint
