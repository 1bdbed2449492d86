#include "shoptalk/result.hpp"

namespace shoptalk {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kMalformedFile:
      return "malformed_file";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kOutOfMemory:
      return "out_of_memory";
    case ErrorCode::kContextOverflow:
      return "context_overflow";
    case ErrorCode::kBudgetExceeded:
      return "budget_exceeded";
    case ErrorCode::kCancelled:
      return "cancelled";
    case ErrorCode::kStateMismatch:
      return "state_mismatch";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

}  // namespace shoptalk
