#include "alloc_hooks.h"

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

extern "C" {
void* __real_malloc(size_t size);
void* __real_calloc(size_t n, size_t size);
void* __real_realloc(void* p, size_t size);
void* __real_aligned_alloc(size_t alignment, size_t size);
int __real_posix_memalign(void** out, size_t alignment, size_t size);
}

namespace shoptalk::test::alloc {

namespace {

std::atomic<uint64_t> g_count{0};
// The allocation number (g_count after it) that fails; 0: none.
std::atomic<uint64_t> g_fail_at{0};
std::atomic<bool> g_failed{false};

// Counts one allocation; false when it is the one to fail.
bool admit() {
  const uint64_t n = g_count.fetch_add(1, std::memory_order_relaxed) + 1;
  if (n != g_fail_at.load(std::memory_order_relaxed)) return true;
  g_failed.store(true, std::memory_order_relaxed);
  return false;
}

void* allocate(size_t size) {
  return admit() ? __real_malloc(size == 0 ? 1 : size) : nullptr;
}

void* allocate_aligned(size_t size, std::align_val_t alignment) {
  if (!admit()) return nullptr;
  const size_t a = static_cast<size_t>(alignment);
  // aligned_alloc wants a size that is a multiple of the alignment.
  return __real_aligned_alloc(a, (size + a - 1) / a * a + (size == 0 ? a : 0));
}

}  // namespace

uint64_t count() {
  return g_count.load(std::memory_order_relaxed);
}

void fail_nth(uint64_t n) {
  if (n != 0) g_failed.store(false, std::memory_order_relaxed);
  g_fail_at.store(n == 0 ? 0 : count() + n, std::memory_order_relaxed);
}

bool failed() {
  return g_failed.load(std::memory_order_relaxed);
}

}  // namespace shoptalk::test::alloc

using shoptalk::test::alloc::admit;
using shoptalk::test::alloc::allocate;
using shoptalk::test::alloc::allocate_aligned;

extern "C" {
void* __wrap_malloc(size_t size) {
  return admit() ? __real_malloc(size) : nullptr;
}
void* __wrap_calloc(size_t n, size_t size) {
  return admit() ? __real_calloc(n, size) : nullptr;
}
void* __wrap_realloc(void* p, size_t size) {
  return admit() ? __real_realloc(p, size) : nullptr;
}
void* __wrap_aligned_alloc(size_t alignment, size_t size) {
  return admit() ? __real_aligned_alloc(alignment, size) : nullptr;
}
int __wrap_posix_memalign(void** out, size_t alignment, size_t size) {
  return admit() ? __real_posix_memalign(out, alignment, size) : ENOMEM;
}
}

void* operator new(size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size) {
  if (void* p = allocate(size)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, const std::nothrow_t&) noexcept {
  return allocate(size);
}
void* operator new[](size_t size, const std::nothrow_t&) noexcept {
  return allocate(size);
}
void* operator new(size_t size, std::align_val_t alignment) {
  if (void* p = allocate_aligned(size, alignment)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t size, std::align_val_t alignment) {
  if (void* p = allocate_aligned(size, alignment)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_aligned(size, alignment);
}
void* operator new[](size_t size, std::align_val_t alignment, const std::nothrow_t&) noexcept {
  return allocate_aligned(size, alignment);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  std::free(p);
}
