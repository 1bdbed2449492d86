// The GPT-2 byte <-> code point map of byte-level BPE: every byte is stored in vocabularies and
// merges as one printable code point (0x21..0x7E, 0xA1..0xAC, 0xAE..0xFF map to themselves; the
// other 68 bytes to U+0100.. in increasing byte order, so ' ' is U+0120 'Ġ').
#pragma once

#include <cstdint>
#include <string>

namespace shoptalk::engine::byte_level {

// The code point that represents byte b.
uint32_t byte_to_codepoint(uint8_t b);
// The byte a code point represents, or -1 if it represents none.
int codepoint_to_byte(uint32_t cp);
// Appends the byte-level encoding of `bytes` (UTF-8 of the mapped code points) to `out`.
void encode(const std::string& bytes, std::string& out);

}  // namespace shoptalk::engine::byte_level
