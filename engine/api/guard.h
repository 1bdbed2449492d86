// The last line of "no exception crosses the API" (docs/api.md, "Memory and errors"): every public
// entry point runs its body through guarded(), which turns an exception that escapes it into an
// Error: std::bad_alloc from a standard container into kOutOfMemory, anything else (a caller's
// callback that threw) into kInternal. The messages fit std::string's in-place buffer, so making
// them cannot fail in turn. Compiled with -fno-exceptions it is a plain call: nothing can be
// caught there, and the library reports the failures of the allocations it makes itself.
#pragma once

#include <new>

#include "shoptalk/result.hpp"

namespace shoptalk::api {

template <class F>
auto guarded(F&& body) -> decltype(body()) {
#if defined(__cpp_exceptions)
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Error(ErrorCode::kOutOfMemory, "out of memory");
  } catch (...) {
    return Error(ErrorCode::kInternal, "C++ exception");
  }
#else
  return body();
#endif
}

}  // namespace shoptalk::api
