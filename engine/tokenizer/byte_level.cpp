#include "engine/tokenizer/byte_level.h"

#include <array>

#include "engine/tokenizer/unicode.h"

namespace shoptalk::engine::byte_level {

namespace {

bool maps_to_itself(uint32_t b) {
  return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
}

constexpr uint32_t kMaxMapped = 0x100 + 68;  // one past the highest code point used

struct Tables {
  std::array<uint32_t, 256> to_cp{};
  std::array<int16_t, kMaxMapped> to_byte{};
  std::array<std::string, 256> utf8;
};

const Tables& tables() {
  static const Tables t = [] {
    Tables r;
    r.to_byte.fill(-1);
    uint32_t next = 0x100;
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t cp = maps_to_itself(b) ? b : next++;
      r.to_cp[b] = cp;
      r.to_byte[cp] = static_cast<int16_t>(b);
      unicode::append_utf8(cp, r.utf8[b]);
    }
    return r;
  }();
  return t;
}

}  // namespace

uint32_t byte_to_codepoint(uint8_t b) {
  return tables().to_cp[b];
}

int codepoint_to_byte(uint32_t cp) {
  return cp < kMaxMapped ? tables().to_byte[cp] : -1;
}

void encode(const std::string& bytes, std::string& out) {
  const Tables& t = tables();
  for (char c : bytes) out += t.utf8[static_cast<uint8_t>(c)];
}

}  // namespace shoptalk::engine::byte_level
