// Shared by the C API's translation units (c_api.cpp, c_api_files.cpp, c_api_embed.cpp): the model
// handle, the per-thread error message, statuses from Results, and the C view of a ModelInfo.
#pragma once

#include <cstring>
#include <new>
#include <vector>

#include "shoptalk/shoptalk.h"
#include "shoptalk/shoptalk.hpp"

struct shoptalk_model {
  shoptalk::Model model;
  std::vector<shoptalk_type_bytes> type_bytes;  // the C view of model.info().type_bytes
};

namespace shoptalk::capi {

// The int a C caller stored in an enum field or argument. C lets any int through; reading one
// outside the enumerators as the enum type is undefined in C++, so the bits are copied instead.
template <typename E>
int c_enum_value(const E& value) {
  static_assert(sizeof(E) == sizeof(int), "the C API's enums are int-sized");
  int raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

// Records the message for shoptalk_last_error and returns the error's status.
shoptalk_status fail(const Error& error);
shoptalk_status fail(shoptalk_status status, const char* message);
// The same with a message that lives as long as the program (a literal): needs no memory.
shoptalk_status fail_fixed(shoptalk_status status, const char* message);
// What shoptalk_last_error returns: the calling thread's last message.
const char* last_error_message();

// The C boundary's last line (engine/api/guard.h is the C++ API's): an exception escaping `body`,
// even one thrown while recording an error message, becomes a status with a fixed message.
// Compiled with -fno-exceptions it is a plain call.
template <class F>
shoptalk_status guarded(F&& body) {
#if defined(__cpp_exceptions)
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail_fixed(SHOPTALK_OUT_OF_MEMORY, "out of memory");
  } catch (...) {
    return fail_fixed(SHOPTALK_INTERNAL, "unexpected C++ exception");
  }
#else
  return body();
#endif
}

template <typename T>
shoptalk_status status_of(const Result<T>& r) {
  return r ? SHOPTALK_OK : fail(r.error());
}

// The status of r, with its value in *out on success.
template <typename T>
shoptalk_status store(const Result<T>& r, T* out) {
  if (!r) return fail(r.error());
  *out = *r;
  return SHOPTALK_OK;
}

// Bytes per type name as C structs pointing into `type_bytes`.
std::vector<shoptalk_type_bytes> type_bytes_view(
    const std::vector<std::pair<std::string, uint64_t>>& type_bytes);

// `info` as the C struct, pointing into it and into `type_bytes` (its type_bytes_view).
void describe(const ModelInfo& info, const std::vector<shoptalk_type_bytes>& type_bytes,
              shoptalk_model_info* out);

}  // namespace shoptalk::capi
