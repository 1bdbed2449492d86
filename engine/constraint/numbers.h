// JSON numbers in ranges, as grammar expressions: exact decimal arithmetic on digit strings, so a
// bound like 0.1 or 1e-3 means exactly what it says.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "engine/constraint/grammar.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine::constraint {

// value = (negative ? -1 : 1) * int_digits.frac_digits; int_digits has no leading zeros ("0"
// for less than one), frac_digits no trailing zeros. Zero is never negative.
struct Decimal {
  bool negative = false;
  std::string int_digits = "0";
  std::string frac_digits;
};

// From a JSON number's text; nullopt if its exponent is beyond +-1000.
std::optional<Decimal> parse_decimal(std::string_view json_number);
int compare(const Decimal& a, const Decimal& b);

struct Bound {
  Decimal value;
  bool strict = false;  // exclusive
};

// Numbers within the bounds (either may be absent). integer: canonical integers
// -?(0|[1-9][0-9]*); otherwise plain decimals -?(0|[1-9][0-9]*)(\.[0-9]+)? when a bound is set and
// any JSON number with an exponent of at most two digits when none is. Digits the bounds leave
// free come in runs of at most 20. "-0" is never produced when a bound is set. Errors when an
// integer bound does not fit in 64 bits.
Result<ExprId> number_expr(GrammarBuilder& b, const std::optional<Bound>& lo,
                           const std::optional<Bound>& hi, bool integer);

}  // namespace shoptalk::engine::constraint
