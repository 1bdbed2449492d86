#include "json.h"

#include <cstdlib>

namespace shoptalk::json {

const Value& Value::operator[](const std::string& key) const {
  static const Value kNull;
  const auto it = object.find(key);
  return it == object.end() ? kNull : it->second;
}

namespace {

constexpr int kMaxDepth = 256;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  ParseResult run() {
    ParseResult r;
    Value v;
    if (value(v, 0)) {
      skip_space();
      if (pos_ == s_.size()) {
        r.value = std::move(v);
        return r;
      }
      error_ = "unexpected text after the value";
    }
    r.error = "offset " + std::to_string(pos_) + ": " + error_;
    return r;
  }

 private:
  bool fail(const char* what) {
    error_ = what;
    return false;
  }
  void skip_space() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool literal(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool hex4(uint32_t& out) {
    if (s_.size() - pos_ < 4) return fail("truncated \\u escape");
    out = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      out <<= 4;
      if (c >= '0' && c <= '9')
        out |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f')
        out |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        out |= static_cast<uint32_t>(c - 'A' + 10);
      else
        return fail("bad hex digit in \\u escape");
    }
    return true;
  }

  static void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // The body of a string whose opening quote was consumed.
  bool string_body(std::string& out) {
    while (true) {
      if (pos_ >= s_.size()) return fail("unterminated string");
      const char c = s_[pos_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= s_.size()) return fail("unterminated escape");
      switch (s_[pos_++]) {
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
          uint32_t cp;
          if (!hex4(cp)) return false;
          // A high surrogate followed by \uDC00..\uDFFF is one supplementary code point; a lone
          // surrogate becomes U+FFFD (it has no UTF-8 encoding).
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(pos_, 2) == "\\u") {
            const size_t save = pos_;
            pos_ += 2;
            uint32_t low;
            if (!hex4(low)) return false;
            if (low >= 0xDC00 && low < 0xE000) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          append_utf8(out, cp >= 0xD800 && cp < 0xE000 ? 0xFFFD : cp);
          break;
        }
        default:
          return fail("unknown escape");
      }
    }
  }

  bool number(Value& v) {
    const size_t start = pos_;
    if (pos_ < s_.size() && s_[pos_] == '-') ++pos_;
    while (pos_ < s_.size() &&
           ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.' || s_[pos_] == 'e' ||
            s_[pos_] == 'E' || s_[pos_] == '+' || s_[pos_] == '-'))
      ++pos_;
    const std::string text(s_.substr(start, pos_ - start));
    char* end = nullptr;
    v.kind = Value::Kind::kNumber;
    v.number = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return fail("invalid number");
    return true;
  }

  bool value(Value& v, int depth) {
    if (depth > kMaxDepth) return fail("nesting too deep");
    skip_space();
    if (pos_ >= s_.size()) return fail("unexpected end of input");
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v.kind = Value::Kind::kObject;
      if (consume('}')) return true;
      do {
        std::string key;
        if (!consume('"')) return fail("expected a string key");
        if (!string_body(key)) return false;
        if (!consume(':')) return fail("expected ':'");
        Value member;
        if (!value(member, depth + 1)) return false;
        if (v.object.count(key) == 0) v.keys.push_back(key);
        v.object[key] = std::move(member);
      } while (consume(','));
      return consume('}') || fail("expected ',' or '}'");
    }
    if (c == '[') {
      ++pos_;
      v.kind = Value::Kind::kArray;
      if (consume(']')) return true;
      do {
        v.array.emplace_back();
        if (!value(v.array.back(), depth + 1)) return false;
      } while (consume(','));
      return consume(']') || fail("expected ',' or ']'");
    }
    if (c == '"') {
      ++pos_;
      v.kind = Value::Kind::kString;
      return string_body(v.string);
    }
    if (literal("true")) {
      v.kind = Value::Kind::kBool;
      v.boolean = true;
      return true;
    }
    if (literal("false")) {
      v.kind = Value::Kind::kBool;
      return true;
    }
    if (literal("null")) return true;
    return number(v);
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

}  // namespace

ParseResult parse(std::string_view text) {
  return Reader(text).run();
}

}  // namespace shoptalk::json
