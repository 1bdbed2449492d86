// An oracle for constrained generation that shares no code with the engine: nlohmann/json parses
// the answer, and a small validator checks it against the JSON Schema keywords the test schemas
// use (type, nullable, enum, const, properties, required, additionalProperties, items,
// prefixItems, minItems, maxItems, minLength, maxLength, pattern, format, minimum, maximum,
// exclusiveMinimum, exclusiveMaximum, anyOf, oneOf, allOf, local $ref). Patterns and formats
// are std::wregex (ECMAScript) over the text as UTF-32. A keyword it does not know fails the
// validation, so a schema the oracle cannot judge is noticed.
#pragma once

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>

namespace shoptalk::test {

using OJson = nlohmann::ordered_json;

// UTF-8 to UTF-32 (the answers are valid UTF-8: the constraint guarantees it; the oracle
// checks it too and returns false for an invalid sequence).
inline bool utf32(const std::string& s, std::wstring& out) {
  out.clear();
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + static_cast<size_t>(n) > s.size()) return false;
    uint32_t cp = n == 1 ? c : c & (0x7F >> n);
    for (int k = 1; k < n; ++k) {
      const unsigned char d = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((d >> 6) != 2) return false;
      cp = (cp << 6) | (d & 0x3F);
    }
    out.push_back(static_cast<wchar_t>(cp));
    i += static_cast<size_t>(n);
  }
  return true;
}

class SchemaOracle {
 public:
  explicit SchemaOracle(const OJson& root) : root_(root) {}

  bool valid(const OJson& instance) { return valid(root_, instance); }

  // Why the last check failed (the keyword), for test messages.
  const std::string& failure() const { return failure_; }

 private:
  bool fail(const std::string& why) {
    failure_ = why;
    return false;
  }

  static bool is_integer(const OJson& v) {
    if (v.is_number_integer()) return true;
    if (!v.is_number_float()) return false;
    const double d = v.get<double>();
    return std::isfinite(d) && std::floor(d) == d;
  }

  static bool has_type(const std::string& type, const OJson& v) {
    if (type == "null") return v.is_null();
    if (type == "boolean") return v.is_boolean();
    if (type == "object") return v.is_object();
    if (type == "array") return v.is_array();
    if (type == "string") return v.is_string();
    if (type == "number") return v.is_number();
    if (type == "integer") return is_integer(v);
    return false;
  }

  static bool matches(const std::wstring& pattern, const std::wstring& text, bool whole) {
    const std::wregex re(pattern, std::regex::ECMAScript);
    return whole ? std::regex_match(text, re) : std::regex_search(text, re);
  }

  static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
  static bool valid_date(const std::wstring& s) {
    if (!matches(L"[0-9]{4}-[0-9]{2}-[0-9]{2}", s, true)) return false;
    const int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)),
              d = std::stoi(s.substr(8, 2));
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    return d <= days[m - 1] + (m == 2 && leap(y) ? 1 : 0);
  }
  static bool valid_time(const std::wstring& s) {
    return matches(
        L"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?([zZ]|[+-]([01][0-9]|2[0-3]):"
        L"[0-5][0-9])",
        s, true);
  }
  static bool valid_format(const std::string& format, const std::wstring& s) {
    if (format == "date") return valid_date(s);
    if (format == "time") return valid_time(s);
    if (format == "date-time") {
      const size_t t = s.find_first_of(L"Tt");
      return t == 10 && valid_date(s.substr(0, 10)) && valid_time(s.substr(11));
    }
    if (format == "uuid")
      return matches(L"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
                     s, true);
    return false;
  }

  const OJson& resolve(const std::string& ref) const {
    static const OJson kNothing = false;
    if (ref == "#") return root_;
    if (ref.rfind("#/", 0) != 0) return kNothing;
    const OJson::json_pointer pointer(ref.substr(1));
    return root_.contains(pointer) ? root_.at(pointer) : kNothing;
  }

  bool valid(const OJson& schema, const OJson& v) {
    if (schema.is_boolean()) return schema.get<bool>() || fail("false schema");
    static const std::set<std::string> known = {"$schema",
                                                "$id",
                                                "$comment",
                                                "title",
                                                "description",
                                                "default",
                                                "examples",
                                                "$defs",
                                                "definitions",
                                                "$ref",
                                                "type",
                                                "nullable",
                                                "enum",
                                                "const",
                                                "properties",
                                                "required",
                                                "additionalProperties",
                                                "items",
                                                "prefixItems",
                                                "additionalItems",
                                                "minItems",
                                                "maxItems",
                                                "minLength",
                                                "maxLength",
                                                "pattern",
                                                "format",
                                                "minimum",
                                                "maximum",
                                                "exclusiveMinimum",
                                                "exclusiveMaximum",
                                                "anyOf",
                                                "oneOf",
                                                "allOf"};
    for (const auto& [key, value] : schema.items())
      if (!known.count(key)) return fail("the oracle does not know keyword " + key);

    if (schema.contains("$ref") && !valid(resolve(schema["$ref"].get<std::string>()), v))
      return false;
    const bool nullable = schema.value("nullable", false);
    if (nullable && v.is_null()) return true;
    if (schema.contains("type")) {
      const OJson& t = schema["type"];
      bool ok = false;
      if (t.is_string()) ok = has_type(t.get<std::string>(), v);
      for (const OJson& one : t.is_array() ? t : OJson::array())
        ok = ok || has_type(one.get<std::string>(), v);
      if (!ok) return fail("type");
    }
    if (schema.contains("enum")) {
      bool found = false;
      for (const OJson& e : schema["enum"]) found = found || e == v;
      if (!found) return fail("enum");
    }
    if (schema.contains("const") && !(schema["const"] == v)) return fail("const");
    if (v.is_object() && !valid_object(schema, v)) return false;
    if (v.is_array() && !valid_array(schema, v)) return false;
    if (v.is_string() && !valid_string(schema, v.get<std::string>())) return false;
    if (v.is_number() && !valid_number(schema, v.get<double>())) return false;
    if (schema.contains("allOf"))
      for (const OJson& s : schema["allOf"])
        if (!valid(s, v)) return false;
    if (schema.contains("anyOf")) {
      bool any = false;
      for (const OJson& s : schema["anyOf"]) any = any || valid(s, v);
      if (!any) return fail("anyOf");
    }
    if (schema.contains("oneOf")) {
      int n = 0;
      for (const OJson& s : schema["oneOf"]) n += valid(s, v) ? 1 : 0;
      if (n != 1) return fail("oneOf");
    }
    return true;
  }

  bool valid_object(const OJson& schema, const OJson& v) {
    const OJson properties = schema.value("properties", OJson::object());
    for (const OJson& name : schema.value("required", OJson::array()))
      if (!v.contains(name.get<std::string>())) return fail("required " + name.get<std::string>());
    for (const auto& [key, value] : v.items()) {
      if (properties.contains(key)) {
        if (!valid(properties[key], value)) return false;
      } else if (schema.contains("additionalProperties") &&
                 !valid(schema["additionalProperties"], value)) {
        return fail("additionalProperties " + key);
      }
    }
    return true;
  }

  bool valid_array(const OJson& schema, const OJson& v) {
    const size_t n = v.size();
    if (schema.contains("minItems") && n < schema["minItems"].get<size_t>())
      return fail("minItems");
    if (schema.contains("maxItems") && n > schema["maxItems"].get<size_t>())
      return fail("maxItems");
    size_t first = 0;
    if (schema.contains("prefixItems")) {
      const OJson& prefix = schema["prefixItems"];
      for (; first < prefix.size() && first < n; ++first)
        if (!valid(prefix[first], v[first])) return false;
    }
    if (schema.contains("items")) {
      const OJson& items = schema["items"];
      if (items.is_array()) {  // draft 7 tuple form
        for (; first < items.size() && first < n; ++first)
          if (!valid(items[first], v[first])) return false;
        if (schema.contains("additionalItems"))
          for (size_t i = first; i < n; ++i)
            if (!valid(schema["additionalItems"], v[i])) return false;
      } else {
        for (size_t i = first; i < n; ++i)
          if (!valid(items, v[i])) return false;
      }
    }
    return true;
  }

  bool valid_string(const OJson& schema, const std::string& s) {
    std::wstring w;
    if (!utf32(s, w)) return fail("UTF-8");
    if (schema.contains("minLength") && w.size() < schema["minLength"].get<size_t>())
      return fail("minLength");
    if (schema.contains("maxLength") && w.size() > schema["maxLength"].get<size_t>())
      return fail("maxLength");
    if (schema.contains("pattern")) {
      std::wstring pattern;
      utf32(schema["pattern"].get<std::string>(), pattern);
      if (!matches(pattern, w, false)) return fail("pattern");
    }
    if (schema.contains("format") && !valid_format(schema["format"].get<std::string>(), w))
      return fail("format");
    return true;
  }

  bool valid_number(const OJson& schema, double x) {
    if (schema.contains("minimum") && !(x >= schema["minimum"].get<double>()))
      return fail("minimum");
    if (schema.contains("maximum") && !(x <= schema["maximum"].get<double>()))
      return fail("maximum");
    if (schema.contains("exclusiveMinimum") && !(x > schema["exclusiveMinimum"].get<double>()))
      return fail("exclusiveMinimum");
    if (schema.contains("exclusiveMaximum") && !(x < schema["exclusiveMaximum"].get<double>()))
      return fail("exclusiveMaximum");
    return true;
  }

  const OJson& root_;
  std::string failure_;
};

}  // namespace shoptalk::test
