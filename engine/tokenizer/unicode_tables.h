// The generated Unicode tables (unicode_tables.cpp, written by tools/gen_unicode_tables.py).
// Only unicode.cpp reads them; everything else uses the lookups in unicode.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace shoptalk::engine::unicode_tables {

struct CodepointRange {
  uint32_t first, last;
};
struct CombiningClassRange {
  uint32_t first, last;
  uint8_t ccc;
};
struct Decomposition {
  uint32_t cp, first, second;  // second = 0 for a singleton
};
struct Composition {
  uint32_t first, second, composite;
};
struct CaseFold {
  uint32_t cp, folded;
};

extern const uint32_t kCategoryRuns[];
extern const size_t kCategoryRunCount;
extern const CodepointRange kWhitespace[];
extern const size_t kWhitespaceCount;
extern const CombiningClassRange kCombiningClass[];
extern const size_t kCombiningClassCount;
extern const Decomposition kDecompositions[];
extern const size_t kDecompositionCount;
extern const Composition kCompositions[];
extern const size_t kCompositionCount;
extern const CodepointRange kNfcQuickCheckNo[];
extern const size_t kNfcQuickCheckNoCount;
extern const CaseFold kFoldToAscii[];
extern const size_t kFoldToAsciiCount;

}  // namespace shoptalk::engine::unicode_tables
