#include "engine/constraint/json_value.h"

#include <charconv>
#include <cmath>

#include "engine/constraint/charset.h"
#include "formats/try.h"

namespace shoptalk::engine::constraint {

bool JsonValue::is_integer() const {
  return type == Type::kNumber && std::isfinite(number) && std::floor(number) == number;
}

const JsonValue::Member* JsonValue::find_member(std::string_view key) const {
  if (type != Type::kObject) return nullptr;
  for (const Member& m : members)
    if (m.key == key) return &m;
  return nullptr;
}

const JsonValue* JsonValue::find(std::string_view key) const {
  const Member* m = find_member(key);
  return m ? &m->value : nullptr;
}

bool json_equal(const JsonValue& a, const JsonValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case JsonValue::Type::kNull:
      return true;
    case JsonValue::Type::kBool:
      return a.boolean == b.boolean;
    case JsonValue::Type::kNumber:
      return a.number == b.number;
    case JsonValue::Type::kString:
      return a.text == b.text;
    case JsonValue::Type::kArray:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!json_equal(a.items[i], b.items[i])) return false;
      return true;
    case JsonValue::Type::kObject:
      if (a.members.size() != b.members.size()) return false;
      for (const JsonValue::Member& m : a.members) {
        const JsonValue* o = b.find(m.key);
        if (!o || !json_equal(m.value, *o)) return false;
      }
      return true;
  }
  return false;
}

std::string json_serialize(const JsonValue& v) {
  switch (v.type) {
    case JsonValue::Type::kNull:
      return "null";
    case JsonValue::Type::kBool:
      return v.boolean ? "true" : "false";
    case JsonValue::Type::kNumber:
      return v.text;
    case JsonValue::Type::kString: {
      std::string s = "\"";
      append_json_escaped(v.text, s);
      s += '"';
      return s;
    }
    case JsonValue::Type::kArray: {
      std::string s = "[";
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) s += ',';
        s += json_serialize(v.items[i]);
      }
      return s + "]";
    }
    case JsonValue::Type::kObject: {
      std::string s = "{";
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i) s += ',';
        JsonValue key;
        key.type = JsonValue::Type::kString;
        key.text = v.members[i].key;
        s += json_serialize(key) + ":" + json_serialize(v.members[i].value);
      }
      return s + "}";
    }
  }
  return "";
}

namespace {

class JsonParser {
 public:
  JsonParser(std::string_view t, std::string_view what, bool allow_duplicates)
      : t_(t), what_(what), allow_duplicates_(allow_duplicates) {}

  Result<JsonValue> run() {
    ws();
    if (i_ >= t_.size()) return error("the document is empty");
    JsonValue v;
    ST_TRY(value(v, 0));
    ws();
    if (i_ < t_.size()) return error("unexpected text after the value");
    return v;
  }

 private:
  Error error(const std::string& msg) const { return error_at(i_, msg); }
  Error error_at(size_t pos, const std::string& msg) const {
    return Error(ErrorCode::kInvalidArgument,
                 std::string(what_) + ": " + line_column(t_, pos) + ": " + msg);
  }
  void ws() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r'))
      ++i_;
  }
  bool word(std::string_view w) {
    if (t_.compare(i_, w.size(), w) != 0) return false;
    i_ += w.size();
    return true;
  }

  Status value(JsonValue& v, int depth) {
    if (depth > kMaxJsonDepth)
      return error("nested more than " + std::to_string(kMaxJsonDepth) + " levels");
    v.offset = i_;
    if (i_ >= t_.size()) return error("unexpected end of the document");
    const char c = t_[i_];
    if (c == '{') return object(v, depth);
    if (c == '[') return array(v, depth);
    if (c == '"') {
      v.type = JsonValue::Type::kString;
      return string(v.text);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number(v);
    if (word("true")) {
      v.type = JsonValue::Type::kBool;
      v.boolean = true;
      return {};
    }
    if (word("false")) {
      v.type = JsonValue::Type::kBool;
      return {};
    }
    if (word("null")) return {};
    return error("expected a JSON value");
  }

  Status object(JsonValue& v, int depth) {
    v.type = JsonValue::Type::kObject;
    ++i_;
    ws();
    if (i_ < t_.size() && t_[i_] == '}') {
      ++i_;
      return {};
    }
    for (;;) {
      ws();
      if (i_ >= t_.size() || t_[i_] != '"') return error("expected a member name");
      JsonValue::Member m;
      m.key_offset = i_;
      ST_TRY(string(m.key));
      if (!allow_duplicates_ && v.find_member(m.key))
        return error_at(m.key_offset, "duplicate member \"" + m.key + "\"");
      ws();
      if (i_ >= t_.size() || t_[i_] != ':') return error("expected ':'");
      ++i_;
      ws();
      ST_TRY(value(m.value, depth + 1));
      v.members.push_back(std::move(m));
      ws();
      if (i_ < t_.size() && t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < t_.size() && t_[i_] == '}') {
        ++i_;
        return {};
      }
      return error("expected ',' or '}'");
    }
  }

  Status array(JsonValue& v, int depth) {
    v.type = JsonValue::Type::kArray;
    ++i_;
    ws();
    if (i_ < t_.size() && t_[i_] == ']') {
      ++i_;
      return {};
    }
    for (;;) {
      ws();
      JsonValue item;
      ST_TRY(value(item, depth + 1));
      v.items.push_back(std::move(item));
      ws();
      if (i_ < t_.size() && t_[i_] == ',') {
        ++i_;
        continue;
      }
      if (i_ < t_.size() && t_[i_] == ']') {
        ++i_;
        return {};
      }
      return error("expected ',' or ']'");
    }
  }

  Status hex4(uint32_t& v) {
    if (i_ + 4 > t_.size()) return error("invalid \\u escape");
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const int d = hex_digit(t_[i_++]);
      if (d < 0) return error("invalid \\u escape");
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return {};
  }

  Status string(std::string& out) {
    ++i_;
    for (;;) {
      if (i_ >= t_.size()) return error("unterminated string");
      const uint8_t c = static_cast<uint8_t>(t_[i_]);
      if (c == '"') {
        ++i_;
        return {};
      }
      if (c < 0x20) return error("control character in a string");
      if (c != '\\') {
        uint32_t cp = 0;
        const size_t len = decode_utf8(t_, i_, cp);
        if (len == 0) return error("invalid UTF-8");
        out.append(t_.substr(i_, len));
        i_ += len;
        continue;
      }
      ++i_;
      if (i_ >= t_.size()) return error("unterminated string");
      const char e = t_[i_++];
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          uint32_t cp = 0;
          ST_TRY(hex4(cp));
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            uint32_t lo = 0;
            if (t_.compare(i_, 2, "\\u") != 0) return error("unpaired surrogate");
            i_ += 2;
            ST_TRY(hex4(lo));
            if (lo < 0xDC00 || lo > 0xDFFF) return error("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            return error("unpaired surrogate");
          }
          append_utf8(cp, out);
          break;
        }
        default:
          return error("invalid escape");
      }
    }
  }

  Status number(JsonValue& v) {
    const size_t start = i_;
    auto digits = [&] {
      const size_t s = i_;
      while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') ++i_;
      return i_ - s;
    };
    if (t_[i_] == '-') ++i_;
    if (i_ < t_.size() && t_[i_] == '0') {
      ++i_;
    } else if (digits() == 0) {
      return error("invalid number");
    }
    if (i_ < t_.size() && t_[i_] == '.') {
      ++i_;
      if (digits() == 0) return error("invalid number");
    }
    if (i_ < t_.size() && (t_[i_] == 'e' || t_[i_] == 'E')) {
      ++i_;
      if (i_ < t_.size() && (t_[i_] == '+' || t_[i_] == '-')) ++i_;
      if (digits() == 0) return error("invalid number");
    }
    v.type = JsonValue::Type::kNumber;
    v.text.assign(t_.substr(start, i_ - start));
    // from_chars: independent of the C locale. Out of range: +-inf or 0, as strtod gives.
    const std::from_chars_result r =
        std::from_chars(v.text.data(), v.text.data() + v.text.size(), v.number);
    if (r.ec == std::errc::result_out_of_range) {
      const bool tiny = v.text.find_first_of("eE") != std::string::npos &&
                        v.text[v.text.find_first_of("eE") + 1] == '-';
      v.number = tiny ? 0.0 : (v.text[0] == '-' ? -HUGE_VAL : HUGE_VAL);
    }
    return {};
  }

  std::string_view t_;
  std::string_view what_;
  bool allow_duplicates_;
  size_t i_ = 0;
};

}  // namespace

Result<JsonValue> parse_json(std::string_view text, std::string_view what, bool allow_duplicates) {
  return JsonParser(text, what, allow_duplicates).run();
}

}  // namespace shoptalk::engine::constraint
