// A read-only view of a whole file: mmap'd from a path, or borrowed from caller memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "shoptalk/result.hpp"

namespace shoptalk {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);
  // Borrows [data, data + size); the caller keeps it alive and unchanged while in use.
  static MappedFile borrow(const void* data, size_t size);

  MappedFile() = default;
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool is_mapped() const { return mapped_; }

  // Tells the OS the pages wholly inside [ptr, ptr + n) are no longer needed (after a tensor was
  // copied into a packed layout), so they stop counting toward resident memory.
  void release(const void* ptr, size_t n) const;
  // Asks the OS to read [ptr, ptr + n) ahead.
  void prefetch(const void* ptr, size_t n) const;

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
};

}  // namespace shoptalk
