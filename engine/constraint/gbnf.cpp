#include "engine/constraint/gbnf.h"

#include <string>
#include <unordered_map>
#include <vector>

#include "engine/constraint/charset.h"
#include "formats/try.h"

namespace shoptalk::engine::constraint {

namespace {

constexpr int kMaxNesting = 64;
constexpr int32_t kMaxCount = 10000;
constexpr size_t kMaxText = 1 << 20;

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

class GbnfParser {
 public:
  GbnfParser(GrammarBuilder& b, std::string_view text) : b_(b), t_(text) {}

  Status run() {
    if (t_.size() > kMaxText) return error_at(0, "the grammar is larger than 1 MiB");
    space(true);
    if (i_ >= t_.size()) return error_at(0, "the grammar is empty");
    while (i_ < t_.size()) {
      ST_TRY(rule());
      space(true);
    }
    // Report the earliest reference to an undefined rule.
    const std::string* undefined = nullptr;
    size_t at = 0;
    for (const auto& [name, use] : first_use_)
      if (!b_.is_defined(rules_.at(name)) && (undefined == nullptr || use < at)) {
        undefined = &name;
        at = use;
      }
    if (undefined) return error_at(at, "rule '" + *undefined + "' is not defined");
    auto root = rules_.find("root");
    if (root == rules_.end() || !b_.is_defined(root->second))
      return error_at(0, "the grammar has no rule named 'root'");
    b_.set_root(root->second);
    if (b_.overflowed()) return error_at(0, "the grammar is too large");
    return {};
  }

 private:
  Error error_at(size_t pos, const std::string& msg) const {
    return Error(ErrorCode::kInvalidArgument, "grammar: " + line_column(t_, pos) + ": " + msg);
  }
  Error error(const std::string& msg) const { return error_at(i_, msg); }

  // Skips blanks and comments, and newlines when allowed.
  void space(bool newlines) {
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == ' ' || c == '\t' || (newlines && (c == '\n' || c == '\r'))) {
        ++i_;
      } else if (c == '#') {
        while (i_ < t_.size() && t_[i_] != '\n' && t_[i_] != '\r') ++i_;
      } else {
        break;
      }
    }
  }

  RuleId rule_id(const std::string& name, size_t pos) {
    auto it = rules_.find(name);
    if (it != rules_.end()) return it->second;
    const RuleId id = b_.add_rule(name);
    rules_.emplace(name, id);
    first_use_.emplace(name, pos);
    return id;
  }

  Status name(std::string& out) {
    const size_t start = i_;
    while (i_ < t_.size() && is_name_char(t_[i_])) ++i_;
    if (i_ == start) return error("expected a rule name");
    out.assign(t_.substr(start, i_ - start));
    return {};
  }

  Status rule() {
    const size_t start = i_;
    std::string n;
    ST_TRY(name(n));
    space(false);
    if (t_.compare(i_, 3, "::=") != 0) return error("expected '::='");
    i_ += 3;
    space(true);
    const RuleId id = rule_id(n, start);
    if (b_.is_defined(id)) return error_at(start, "rule '" + n + "' is defined twice");
    ST_ASSIGN_OR_RETURN(ExprId body, alternates(0));
    b_.define(id, body);
    if (i_ < t_.size()) {
      if (t_[i_] == '\r') ++i_;
      if (i_ < t_.size() && t_[i_] == '\n') {
        ++i_;
      } else if (i_ < t_.size()) {
        return error("expected the end of the line");
      }
    }
    return {};
  }

  Result<ExprId> alternates(int depth) {
    std::vector<ExprId> alts;
    for (;;) {
      ST_ASSIGN_OR_RETURN(ExprId seq, sequence(depth));
      alts.push_back(seq);
      if (i_ >= t_.size() || t_[i_] != '|') break;
      ++i_;
      space(true);
    }
    return b_.alt(alts);
  }

  Result<ExprId> sequence(int depth) {
    std::vector<ExprId> items;
    const bool nested = depth > 0;
    while (i_ < t_.size()) {
      const char c = t_[i_];
      ExprId item;
      if (c == '"') {
        ST_ASSIGN_OR_RETURN(item, literal());
      } else if (c == '[') {
        ST_ASSIGN_OR_RETURN(item, char_class());
      } else if (c == '.') {
        ++i_;
        item = char_expr(b_, CharSet::all(), Encoding::kUtf8);
      } else if (c == '(') {
        if (depth + 1 > kMaxNesting) return error("groups nested too deeply");
        ++i_;
        space(true);
        ST_ASSIGN_OR_RETURN(item, alternates(depth + 1));
        if (i_ >= t_.size() || t_[i_] != ')') return error("expected ')'");
        ++i_;
      } else if (c == '<' || c == '!') {
        return error("token references are not supported");
      } else if (is_name_char(c)) {
        const size_t start = i_;
        std::string n;
        ST_TRY(name(n));
        // A name followed by ::= starts the next rule: the previous one needed a newline.
        size_t j = i_;
        while (j < t_.size() && (t_[j] == ' ' || t_[j] == '\t')) ++j;
        if (t_.compare(j, 3, "::=") == 0) {
          i_ = start;
          return error("expected the end of the line before the next rule");
        }
        item = b_.call(rule_id(n, start));
      } else {
        break;
      }
      space(nested);
      ST_ASSIGN_OR_RETURN(item, postfix(item));
      items.push_back(item);
      space(nested);
    }
    return b_.seq(items);
  }

  Result<ExprId> postfix(ExprId item) {
    if (i_ >= t_.size()) return item;
    const char c = t_[i_];
    ExprId out = item;
    if (c == '*') {
      out = b_.star(item);
    } else if (c == '+') {
      out = b_.plus(item);
    } else if (c == '?') {
      out = b_.optional(item);
    } else if (c == '{') {
      ++i_;
      space(false);
      int32_t min = 0, max = 0;
      ST_TRY(number(min));
      space(false);
      max = min;
      if (i_ < t_.size() && t_[i_] == ',') {
        ++i_;
        space(false);
        if (i_ < t_.size() && t_[i_] == '}') {
          max = kUnbounded;
        } else {
          ST_TRY(number(max));
          space(false);
          if (max < min) return error("repetition {m,n} with n < m");
        }
      }
      if (i_ >= t_.size() || t_[i_] != '}') return error("expected '}'");
      out = b_.repeat(item, min, max);
    } else {
      return item;
    }
    ++i_;
    const bool nested_quantifier =
        i_ < t_.size() && (t_[i_] == '*' || t_[i_] == '+' || t_[i_] == '?');
    if (nested_quantifier) return error("a repetition must follow a term, not another repetition");
    return out;
  }

  Status number(int32_t& v) {
    const size_t start = i_;
    int64_t x = 0;
    while (i_ < t_.size() && t_[i_] >= '0' && t_[i_] <= '9') {
      x = x * 10 + (t_[i_] - '0');
      if (x > kMaxCount)
        return error_at(start, "repetition count above " + std::to_string(kMaxCount));
      ++i_;
    }
    if (i_ == start) return error("expected a number");
    v = static_cast<int32_t>(x);
    return {};
  }

  // One character of a literal or class at i_ (after any backslash handling).
  Status char_at(uint32_t& cp) {
    if (i_ >= t_.size()) return error("unexpected end of the grammar");
    if (t_[i_] != '\\') {
      const size_t len = decode_utf8(t_, i_, cp);
      if (len == 0) return error("invalid UTF-8");
      i_ += len;
      return {};
    }
    const size_t start = i_;
    ++i_;
    if (i_ >= t_.size()) return error("unexpected end of the grammar");
    const char c = t_[i_++];
    int digits = 0;
    switch (c) {
      case 'n':
        cp = '\n';
        return {};
      case 'r':
        cp = '\r';
        return {};
      case 't':
        cp = '\t';
        return {};
      case '\\':
      case '"':
      case '[':
      case ']':
      case '-':
      case '^':
      case '/':
      case '\'':
        cp = static_cast<uint8_t>(c);
        return {};
      case 'x':
        digits = 2;
        break;
      case 'u':
        digits = 4;
        break;
      case 'U':
        digits = 8;
        break;
      default:
        return error_at(start, std::string("unknown escape '\\") + c + "'");
    }
    cp = 0;
    for (int k = 0; k < digits; ++k) {
      const int v = i_ < t_.size() ? hex_digit(t_[i_]) : -1;
      if (v < 0) return error_at(start, "expected " + std::to_string(digits) + " hex digits");
      cp = cp * 16 + static_cast<uint32_t>(v);
      ++i_;
    }
    if (cp > kMaxCodePoint || (cp >= 0xD800 && cp <= 0xDFFF))
      return error_at(start, "not a Unicode character");
    return {};
  }

  Result<ExprId> literal() {
    const size_t start = i_;
    ++i_;
    std::vector<ExprId> items;
    while (i_ < t_.size() && t_[i_] != '"') {
      if (t_[i_] == '\n' || t_[i_] == '\r') return error_at(start, "unterminated string");
      uint32_t cp = 0;
      ST_TRY(char_at(cp));
      items.push_back(char_expr(b_, CharSet::of(cp), Encoding::kUtf8));
    }
    if (i_ >= t_.size()) return error_at(start, "unterminated string");
    ++i_;
    return b_.seq(items);
  }

  Result<ExprId> char_class() {
    const size_t start = i_;
    ++i_;
    bool negate = false;
    if (i_ < t_.size() && t_[i_] == '^') {
      negate = true;
      ++i_;
    }
    CharSet set;
    while (i_ < t_.size() && t_[i_] != ']') {
      if (t_[i_] == '\n' || t_[i_] == '\r') return error_at(start, "unterminated character class");
      uint32_t lo = 0;
      ST_TRY(char_at(lo));
      uint32_t hi = lo;
      if (i_ + 1 < t_.size() && t_[i_] == '-' && t_[i_ + 1] != ']') {
        ++i_;
        ST_TRY(char_at(hi));
        if (hi < lo) return error_at(start, "class range out of order");
      }
      set.add(lo, hi);
    }
    if (i_ >= t_.size()) return error_at(start, "unterminated character class");
    ++i_;
    if (negate) set = set.complement();
    return char_expr(b_, set, Encoding::kUtf8);
  }

  GrammarBuilder& b_;
  std::string_view t_;
  size_t i_ = 0;
  std::unordered_map<std::string, RuleId> rules_;
  std::unordered_map<std::string, size_t> first_use_;
};

}  // namespace

Status parse_gbnf(GrammarBuilder& b, std::string_view text) {
  return GbnfParser(b, text).run();
}

}  // namespace shoptalk::engine::constraint
