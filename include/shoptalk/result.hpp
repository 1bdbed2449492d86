// Error values and Result<T>: how every fallible call in shoptalk reports failure.
//
// A leaf header (standard library only). Every layer uses it, so an error raised while parsing a
// GGUF reaches the caller of the public API unchanged, with its message intact. No exceptions are
// thrown anywhere in shoptalk; a Result either holds a value or an Error.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace shoptalk {

enum class ErrorCode : int {
  kInvalidArgument = 1,  // the caller passed something unusable (bad flag, bad token id, ...)
  kIo,                   // a file could not be opened, mapped, read or written
  kMalformedFile,        // a file is not what it claims to be (truncated GGUF, bad offsets, ...)
  kUnsupported,          // valid, but not something shoptalk implements (architecture, type, ...)
  kOutOfMemory,          // an allocation failed
  kContextOverflow,      // the session's context is full
  kBudgetExceeded,       // the memory plan exceeds the caller's budget
  kCancelled,            // stopped by the caller
  kStateMismatch,        // a saved session state does not belong to this model or is corrupt
  kInternal,             // a bug in shoptalk
};

// A short stable name for a code ("malformed_file", ...), for logs and the C API.
const char* error_code_name(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  ErrorCode code_;
  std::string message_;
};

// Holds a T or an Error. Test it with `if (!result)`, then use value() or error().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return *std::get_if<0>(&state_); }
  const T& value() const& { return *std::get_if<0>(&state_); }
  T&& value() && { return std::move(*std::get_if<0>(&state_)); }
  T* operator->() { return std::get_if<0>(&state_); }
  const T* operator->() const { return std::get_if<0>(&state_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return *std::get_if<1>(&state_); }
  // The value, or `fallback` when this holds an Error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> state_;
};

// Result of an operation that produces nothing but may fail.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace shoptalk
