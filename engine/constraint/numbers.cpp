#include "engine/constraint/numbers.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace shoptalk::engine::constraint {

std::optional<Decimal> parse_decimal(std::string_view t) {
  Decimal d;
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && t[i] == '-') {
    neg = true;
    ++i;
  }
  std::string digits;
  int64_t point = 0;  // digits before the decimal point
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]), ++point;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') digits.push_back(t[i++]);
  }
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool eneg = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) eneg = t[i++] == '-';
    int64_t e = 0;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      e = e * 10 + (t[i++] - '0');
      if (e > 1000) return std::nullopt;
    }
    point += eneg ? -e : e;
  }
  if (point < 0) {
    digits.insert(0, static_cast<size_t>(-point), '0');
    point = 0;
  }
  if (static_cast<size_t>(point) > digits.size())
    digits.append(static_cast<size_t>(point) - digits.size(), '0');
  d.int_digits = digits.substr(0, static_cast<size_t>(point));
  d.frac_digits = digits.substr(static_cast<size_t>(point));
  const size_t nz = d.int_digits.find_first_not_of('0');
  d.int_digits = nz == std::string::npos ? "0" : d.int_digits.substr(nz);
  while (!d.frac_digits.empty() && d.frac_digits.back() == '0') d.frac_digits.pop_back();
  d.negative = neg && !(d.int_digits == "0" && d.frac_digits.empty());
  return d;
}

namespace {

// Compares magnitudes.
int compare_abs(const Decimal& a, const Decimal& b) {
  if (a.int_digits.size() != b.int_digits.size())
    return a.int_digits.size() < b.int_digits.size() ? -1 : 1;
  if (a.int_digits != b.int_digits) return a.int_digits < b.int_digits ? -1 : 1;
  if (a.frac_digits != b.frac_digits) return a.frac_digits < b.frac_digits ? -1 : 1;
  return 0;
}

ByteSet digits_in(char lo, char hi) {
  ByteSet s;
  if (lo <= hi) s.set_range(static_cast<uint8_t>(lo), static_cast<uint8_t>(hi));
  return s;
}

// A run of digits the bounds leave free is at most this long, so a weak model cannot loop on
// digits (as on "1.0000..." under a maximum of 1); 20 digits hold every 64-bit integer and more
// fraction digits than a double keeps.
constexpr int32_t kMaxFreeDigits = 20;

class NumberBuilder {
 public:
  explicit NumberBuilder(GrammarBuilder& b) : b_(b), digit_(b.bytes(digits_in('0', '9'))) {}

  ExprId digits(int32_t min, int32_t max) { return b_.repeat(digit_, min, max); }
  ExprId free_digits(int32_t min) { return digits(min, std::max(min, kMaxFreeDigits)); }
  ExprId digit_range(char lo, char hi) { return b_.bytes(digits_in(lo, hi)); }
  ExprId natural() {
    return b_.alt({b_.byte('0'), b_.seq({digit_range('1', '9'), free_digits(0)})});
  }
  ExprId frac_any() { return b_.optional(b_.seq({b_.byte('.'), free_digits(1)})); }
  ExprId free_zeros(int32_t min) { return b_.repeat(b_.byte('0'), min, kMaxFreeDigits); }
  // Digit strings with a non-zero digit, its first one found deterministically: counted runs on
  // both sides of an ambiguous split would blow the subset construction up.
  ExprId nonzero_digits() { return b_.seq({free_zeros(0), digit_range('1', '9'), free_digits(0)}); }

  // Canonical naturals greater than a.
  ExprId nat_gt(const std::string& a) {
    const int32_t n = static_cast<int32_t>(a.size());
    std::vector<ExprId> alts{b_.seq({digit_range('1', '9'), free_digits(n)})};
    for (int32_t i = 0; i < n; ++i) {
      const char d = a[static_cast<size_t>(i)];
      if (d == '9') continue;
      alts.push_back(
          b_.seq({b_.literal(a.substr(0, static_cast<size_t>(i))),
                  digit_range(static_cast<char>(d + 1), '9'), digits(n - 1 - i, n - 1 - i)}));
    }
    return b_.alt(alts);
  }

  // Canonical naturals less than a.
  ExprId nat_lt(const std::string& a) {
    const int32_t n = static_cast<int32_t>(a.size());
    if (a == "0") return b_.nothing();
    std::vector<ExprId> alts;
    if (n >= 2) {
      alts.push_back(b_.byte('0'));
      alts.push_back(b_.seq({digit_range('1', '9'), digits(0, n - 2)}));
    }
    for (int32_t i = 0; i < n; ++i) {
      const char d = a[static_cast<size_t>(i)];
      const char lowest = i == 0 && n > 1 ? '1' : '0';
      if (d <= lowest) continue;
      alts.push_back(
          b_.seq({b_.literal(a.substr(0, static_cast<size_t>(i))),
                  digit_range(lowest, static_cast<char>(d - 1)), digits(n - 1 - i, n - 1 - i)}));
    }
    return b_.alt(alts);
  }

  // Digit strings f (after the point) with 0.f >= 0.a (> when strict); a non-empty.
  ExprId frac_ge_digits(const std::string& a, size_t i, bool strict) {
    const char d = a[i];
    ExprId rest = i + 1 == a.size() ? (strict ? nonzero_digits() : free_digits(0))
                                    : frac_ge_digits(a, i + 1, strict);
    return b_.alt({b_.seq({digit_range(static_cast<char>(d + 1), '9'), free_digits(0)}),
                   b_.seq({b_.byte(static_cast<uint8_t>(d)), rest})});
  }
  ExprId frac_le_digits(const std::string& a, size_t i, bool strict) {
    const char d = a[i];
    ExprId rest = i + 1 == a.size() ? (strict ? b_.nothing() : free_zeros(0))
                                    : b_.optional(frac_le_digits(a, i + 1, strict));
    return b_.alt({b_.seq({digit_range('0', static_cast<char>(d - 1)), free_digits(0)}),
                   b_.seq({b_.byte(static_cast<uint8_t>(d)), rest})});
  }
  // The optional fraction part of a number whose integer part equals the bound's.
  ExprId frac_ge(const std::string& a, bool strict) {
    if (a.empty()) return strict ? b_.seq({b_.byte('.'), nonzero_digits()}) : frac_any();
    return b_.seq({b_.byte('.'), frac_ge_digits(a, 0, strict)});
  }
  ExprId frac_le(const std::string& a, bool strict) {
    if (a.empty())
      return strict ? b_.nothing() : b_.optional(b_.seq({b_.byte('.'), free_zeros(1)}));
    return b_.optional(b_.seq({b_.byte('.'), frac_le_digits(a, 0, strict)}));
  }

  // Unsigned decimals m with lo <= m <= hi (each optional, strictness per bound).
  ExprId magnitude(const std::optional<Bound>& lo, const std::optional<Bound>& hi, bool integer) {
    std::vector<ExprId> parts;
    if (integer) {
      // Integer bounds (already integral here).
      ExprId all = natural();
      if (lo) {
        const std::string& a = lo->value.int_digits;
        parts.push_back(lo->strict ? nat_gt(a) : b_.alt({b_.literal(a), nat_gt(a)}));
      }
      if (hi) {
        const std::string& a = hi->value.int_digits;
        parts.push_back(hi->strict ? nat_lt(a) : b_.alt({b_.literal(a), nat_lt(a)}));
      }
      if (parts.empty()) return all;
    } else {
      if (lo) {
        const Decimal& v = lo->value;
        parts.push_back(
            b_.alt({b_.seq({nat_gt(v.int_digits), frac_any()}),
                    b_.seq({b_.literal(v.int_digits), frac_ge(v.frac_digits, lo->strict)})}));
      }
      if (hi) {
        const Decimal& v = hi->value;
        parts.push_back(
            b_.alt({b_.seq({nat_lt(v.int_digits), frac_any()}),
                    b_.seq({b_.literal(v.int_digits), frac_le(v.frac_digits, hi->strict)})}));
      }
      if (parts.empty()) return b_.seq({natural(), frac_any()});
    }
    return parts.size() == 1 ? parts[0] : b_.intersect(parts[0], parts[1]);
  }

 private:
  GrammarBuilder& b_;
  ExprId digit_;
};

Decimal zero() {
  return Decimal{};
}

Decimal negate(Decimal d) {
  if (!(d.int_digits == "0" && d.frac_digits.empty())) d.negative = !d.negative;
  return d;
}

// Adds one to a digit string.
std::string increment(std::string s) {
  for (size_t i = s.size(); i-- > 0;) {
    if (s[i] != '9') {
      ++s[i];
      return s;
    }
    s[i] = '0';
  }
  return "1" + s;
}

// The integers x with x >= lo (or > lo) as a non-strict integral bound.
Bound integer_lower(const Bound& lo) {
  Bound r;
  const Decimal& v = lo.value;
  const bool fractional = !v.frac_digits.empty();
  if (!v.negative) {
    // x >= A.a: x >= A + (a ? 1 : 0); x > A.a: x >= A + 1.
    r.value.int_digits = (fractional || lo.strict) ? increment(v.int_digits) : v.int_digits;
  } else {
    // x >= -A.a: x >= -A; x > -A.a: x >= -A (fractional) or -A + 1.
    Decimal m;
    m.int_digits = v.int_digits;
    if (!fractional && lo.strict) {
      // -A + 1 = -(A - 1)
      std::string s = v.int_digits;
      for (size_t i = s.size(); i-- > 0;) {
        if (s[i] != '0') {
          --s[i];
          break;
        }
        s[i] = '9';
      }
      const size_t nz = s.find_first_not_of('0');
      m.int_digits = nz == std::string::npos ? "0" : s.substr(nz);
    }
    r.value = negate(m);
  }
  return r;
}

Bound integer_upper(const Bound& hi) {
  // x <= H  <=>  -x >= -H.
  Bound neg{negate(hi.value), hi.strict};
  Bound r = integer_lower(neg);
  r.value = negate(r.value);
  return r;
}

}  // namespace

int compare(const Decimal& a, const Decimal& b) {
  if (a.negative != b.negative) return a.negative ? -1 : 1;
  const int c = compare_abs(a, b);
  return a.negative ? -c : c;
}

Result<ExprId> number_expr(GrammarBuilder& b, const std::optional<Bound>& lo_in,
                           const std::optional<Bound>& hi_in, bool integer) {
  NumberBuilder nb(b);
  std::optional<Bound> lo = lo_in, hi = hi_in;
  if (!lo && !hi) {
    const ExprId sign = b.optional(b.byte('-'));
    if (integer) return b.seq({sign, nb.natural()});
    ByteSet e, pm;
    e.set('e');
    e.set('E');
    pm.set('+');
    pm.set('-');
    // At most two exponent digits: every such number is a finite double.
    const ExprId exponent =
        b.optional(b.seq({b.bytes(e), b.optional(b.bytes(pm)), nb.digits(1, 2)}));
    return b.seq({sign, nb.natural(), nb.frac_any(), exponent});
  }
  if (integer) {
    if (lo) lo = integer_lower(*lo);
    if (hi) hi = integer_upper(*hi);
    for (const std::optional<Bound>* bd : {&lo, &hi})
      if (*bd && (*bd)->value.int_digits.size() > 18)
        return Error(ErrorCode::kUnsupported, "integer bounds beyond 18 digits are not supported");
  }
  if (lo && hi) {
    const int c = compare(lo->value, hi->value);
    if (c > 0 || (c == 0 && (lo->strict || hi->strict))) return b.nothing();
  }
  std::vector<ExprId> alts;
  const Decimal z = zero();
  // x >= 0 part: magnitude in [max(lo, 0), hi].
  const bool nonneg =
      !hi || compare(hi->value, z) > 0 || (compare(hi->value, z) == 0 && !hi->strict);
  if (nonneg) {
    std::optional<Bound> mlo;
    if (lo && compare(lo->value, z) >= 0) mlo = lo;
    alts.push_back(nb.magnitude(mlo, hi, integer));
  }
  // x < 0 part: x = -m with m > 0, m >= -hi when hi < 0, m <= -lo.
  const bool negative = !lo || compare(lo->value, z) < 0;
  if (negative) {
    std::optional<Bound> mlo = Bound{z, true};
    if (hi && compare(hi->value, z) < 0) mlo = Bound{negate(hi->value), hi->strict};
    std::optional<Bound> mhi;
    if (lo) mhi = Bound{negate(lo->value), lo->strict};
    alts.push_back(b.seq({b.byte('-'), nb.magnitude(mlo, mhi, integer)}));
  }
  return b.alt(alts);
}

}  // namespace shoptalk::engine::constraint
