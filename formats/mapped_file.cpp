#include "formats/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace shoptalk {

Result<MappedFile> MappedFile::open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error(ErrorCode::kIo, "cannot open '" + path + "': " + std::strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(ErrorCode::kIo, "'" + path + "' is not a regular file");
  }
  MappedFile file;
  file.size_ = static_cast<size_t>(st.st_size);
  if (file.size_ > 0) {
    void* p = mmap(nullptr, file.size_, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      const int err = errno;
      ::close(fd);
      // ENOMEM: no address space left for it (e.g. under RLIMIT_AS), not a problem of the file.
      return Error(err == ENOMEM ? ErrorCode::kOutOfMemory : ErrorCode::kIo,
                   "cannot map '" + path + "': " + std::strerror(err));
    }
    file.data_ = static_cast<const uint8_t*>(p);
    file.mapped_ = true;
  }
  ::close(fd);
  return file;
}

MappedFile MappedFile::borrow(const void* data, size_t size) {
  MappedFile file;
  file.data_ = static_cast<const uint8_t*>(data);
  file.size_ = size;
  return file;
}

MappedFile::MappedFile(MappedFile&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)),
      mapped_(std::exchange(other.mapped_, false)) {}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    this->~MappedFile();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    mapped_ = std::exchange(other.mapped_, false);
  }
  return *this;
}

MappedFile::~MappedFile() {
  if (mapped_) munmap(const_cast<uint8_t*>(data_), size_);
}

namespace {
// The page-aligned sub-range of [ptr, ptr + n), empty if none.
std::pair<uintptr_t, size_t> inner_pages(const void* ptr, size_t n) {
  const uintptr_t page = static_cast<uintptr_t>(sysconf(_SC_PAGESIZE));
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(ptr) + page - 1) & ~(page - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(ptr) + n) & ~(page - 1);
  return {begin, end > begin ? end - begin : 0};
}
}  // namespace

void MappedFile::release(const void* ptr, size_t n) const {
  if (!mapped_) return;
  const auto [begin, len] = inner_pages(ptr, n);
  if (len > 0) madvise(reinterpret_cast<void*>(begin), len, MADV_DONTNEED);
}

void MappedFile::prefetch(const void* ptr, size_t n) const {
  if (!mapped_) return;
  const auto [begin, len] = inner_pages(ptr, n);
  if (len > 0) madvise(reinterpret_cast<void*>(begin), len, MADV_WILLNEED);
}

}  // namespace shoptalk
