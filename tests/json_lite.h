// A small JSON reader for test expectations (manifest.json): objects, arrays, strings, numbers,
// booleans, null. Strict enough for well-formed input; not a general-purpose parser.
#pragma once

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shoptalk::test::json {

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<Value> array;
  std::map<std::string, Value> object;

  bool has(const std::string& key) const { return object.count(key) != 0; }
  const Value& operator[](const std::string& key) const {
    static const Value null_value;
    auto it = object.find(key);
    return it == object.end() ? null_value : it->second;
  }
  const Value& operator[](size_t i) const { return array[i]; }
  size_t size() const { return kind == Kind::kArray ? array.size() : object.size(); }
};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}

  // Parses the whole text; ok() tells whether it was well-formed.
  Value parse() {
    Value v = value();
    skip_space();
    if (pos_ != s_.size()) ok_ = false;
    return v;
  }
  bool ok() const { return ok_; }

 private:
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
  bool literal(const char* word) {
    const std::string w(word);
    if (s_.compare(pos_, w.size(), w) != 0) return false;
    pos_ += w.size();
    return true;
  }

  std::string string_body() {
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != '"') {
      char c = s_[pos_++];
      if (c == '\\' && pos_ < s_.size()) {
        const char e = s_[pos_++];
        switch (e) {
          case 'n':
            out += '\n';
            break;
          case 't':
            out += '\t';
            break;
          case 'r':
            out += '\r';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'u': {
            const unsigned cp =
                static_cast<unsigned>(std::strtoul(s_.substr(pos_, 4).c_str(), nullptr, 16));
            pos_ += 4;
            if (cp < 0x80) {
              out += static_cast<char>(cp);
            } else if (cp < 0x800) {
              out += static_cast<char>(0xC0 | (cp >> 6));
              out += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
              out += static_cast<char>(0xE0 | (cp >> 12));
              out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
              out += static_cast<char>(0x80 | (cp & 0x3F));
            }
            break;
          }
          default:
            out += e;
        }
      } else {
        out += c;
      }
    }
    if (pos_ >= s_.size()) ok_ = false;
    ++pos_;
    return out;
  }

  Value value() {
    Value v;
    skip_space();
    if (pos_ >= s_.size()) {
      ok_ = false;
      return v;
    }
    const char c = s_[pos_];
    if (c == '{') {
      ++pos_;
      v.kind = Value::Kind::kObject;
      if (consume('}')) return v;
      do {
        if (!consume('"')) {
          ok_ = false;
          return v;
        }
        std::string key = string_body();
        if (!consume(':')) ok_ = false;
        v.object[key] = value();
      } while (ok_ && consume(','));
      if (!consume('}')) ok_ = false;
    } else if (c == '[') {
      ++pos_;
      v.kind = Value::Kind::kArray;
      if (consume(']')) return v;
      do v.array.push_back(value());
      while (ok_ && consume(','));
      if (!consume(']')) ok_ = false;
    } else if (c == '"') {
      ++pos_;
      v.kind = Value::Kind::kString;
      v.string = string_body();
    } else if (literal("true")) {
      v.kind = Value::Kind::kBool;
      v.boolean = true;
    } else if (literal("false")) {
      v.kind = Value::Kind::kBool;
    } else if (literal("null")) {
      v.kind = Value::Kind::kNull;
    } else {
      char* end = nullptr;
      v.kind = Value::Kind::kNumber;
      v.number = std::strtod(s_.c_str() + pos_, &end);
      if (end == s_.c_str() + pos_) ok_ = false;
      pos_ = static_cast<size_t>(end - s_.c_str());
    }
    return v;
  }

  const std::string& s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

inline Value parse(const std::string& text, bool* ok = nullptr) {
  Parser p(text);
  Value v = p.parse();
  if (ok) *ok = p.ok();
  return v;
}

}  // namespace shoptalk::test::json
