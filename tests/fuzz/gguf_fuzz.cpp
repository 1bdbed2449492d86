// Feeds arbitrary bytes to the GGUF reader and touches everything it returns: a bad file must give
// an error value, never a crash or an out-of-bounds read.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "formats/gguf.h"
#include "formats/quant_table.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto file = shoptalk::gguf::GgufFile::from_memory(data, size);
  if (!file) return 0;
  volatile uint64_t sink = 0;
  for (const auto& kv : file->metadata()) {
    for (const auto& s : kv.strings)
      sink = sink + s.size() + (s.empty() ? 0 : static_cast<uint8_t>(s.back()));
    if (!kv.strings.empty() || kv.count == 0) continue;
    // The value's bits: converting an arbitrary double to an integer is undefined behaviour.
    const double value = kv.number_at(kv.count - 1);
    uint64_t bits;
    std::memcpy(&bits, &value, sizeof bits);
    sink = sink + bits;
  }
  for (const auto& t : file->tensors()) {
    if (t.nbytes > 0) sink = sink + t.data[0] + t.data[t.nbytes - 1];
  }
  return 0;
}
