// Counts, and on request fails, every heap allocation the test binary makes: operator new in all
// its forms is replaced here, and the C allocation functions (malloc, calloc, realloc,
// aligned_alloc, posix_memalign) are wrapped at link time (-Wl,--wrap), so the calls the library
// makes itself are seen too. The wrapped functions still reach the C library's (or a sanitizer's)
// allocator, which is why this also runs under ASan. Allocations made inside other shared
// libraries through malloc directly (not operator new) are not seen.
#pragma once

#include <cstdint>

namespace shoptalk::test::alloc {

// Allocations made so far by every thread of the process.
uint64_t count();

// Makes the n-th allocation from now fail, once (operator new throws std::bad_alloc, the C
// functions return null); 0 disarms (failed() still tells whether it happened).
void fail_nth(uint64_t n);

// Whether the failure armed by the last fail_nth has happened.
bool failed();

}  // namespace shoptalk::test::alloc
