// Early-return helpers for Result/Status, used inside the library only (not installed).
#pragma once

#include "shoptalk/result.hpp"

#define ST_CONCAT_INNER(a, b) a##b
#define ST_CONCAT(a, b) ST_CONCAT_INNER(a, b)

// Evaluates a Status (or Result) expression and returns its error from the enclosing function.
#define ST_TRY(expr)                                                       \
  do {                                                                     \
    auto&& st_try_result_ = (expr);                                        \
    if (!st_try_result_) return ::shoptalk::Error(st_try_result_.error()); \
  } while (0)

// `ST_ASSIGN_OR_RETURN(auto x, make_x());` declares x from a Result or returns its error.
#define ST_ASSIGN_OR_RETURN(lhs, expr) \
  ST_ASSIGN_OR_RETURN_IMPL(ST_CONCAT(st_result_, __LINE__), lhs, expr)
#define ST_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)   \
  auto tmp = (expr);                               \
  if (!tmp) return ::shoptalk::Error(tmp.error()); \
  lhs = std::move(tmp).value()
