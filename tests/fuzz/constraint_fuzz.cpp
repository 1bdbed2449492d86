// Feeds arbitrary text to the JSON Schema, GBNF and regex compilers (the first byte picks the
// kind; the rest is the text). Must never crash or hang; a compiled constraint is then driven for
// a few tokens: every token its mask allows must be accepted, and the mask must allow the
// end-of-generation token exactly when the matcher can end.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/constraint/constraint.h"

namespace {

using namespace shoptalk::engine::constraint;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// Single bytes, a few multi-byte pieces, an end-of-generation and a special token.
std::shared_ptr<const Vocabulary> vocab() {
  static const std::shared_ptr<const Vocabulary> v = [] {
    std::vector<std::string> pieces;
    for (int i = 0; i < 256; ++i) pieces.emplace_back(1, static_cast<char>(i));
    for (const char* p :
         {"{\"", "\":", "\",", "\"}", "true", "null", "00", "é", "\xC3", "ab", "[1,", "::="})
      pieces.emplace_back(p);
    pieces.emplace_back("<eos>");
    pieces.emplace_back("<|special|>");
    const int32_t n = static_cast<int32_t>(pieces.size());
    return Vocabulary::from_pieces(pieces, {n - 1}, {n - 2});
  }();
  return v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const Kind kinds[] = {Kind::kJsonSchema, Kind::kGbnf, Kind::kRegex};
  const Kind kind = kinds[data[0] % 3];
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto c = Constraint::compile(kind, text, vocab());
  if (!c) {
    check(!c.error().message().empty());
    return 0;
  }
  Matcher m(*c);
  std::vector<uint32_t> mask(vocab()->mask_words());
  uint32_t pick = data[0];
  for (int step = 0; step < 32 && !m.is_complete(); ++step) {
    m.fill_mask(mask.data());
    std::vector<int32_t> ids;
    mask_tokens(mask.data(), mask.size(), ids);
    const int32_t eog = vocab()->size() - 2;
    const bool eog_allowed = (mask[static_cast<size_t>(eog) >> 5] >> (eog & 31)) & 1;
    check(eog_allowed == m.can_end());
    // Empty only when a pathologically ambiguous grammar outgrew the matcher's stack bounds.
    if (ids.empty()) break;
    pick = pick * 1103515245u + 12345u;
    const int32_t t = ids[(pick >> 8) % ids.size()];
    check(m.accept_token(t).ok());
    if (t == eog) break;
  }
  return 0;
}
