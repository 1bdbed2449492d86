// The packed panel layout: pack -> unpack restores every matrix, packing a range at a time gives
// the same bytes as packing the whole, and one row comes back out of a packed matrix unchanged.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "kernels/packed_layout.h"

namespace shoptalk::kernels {

namespace {

std::vector<uint8_t> pattern(size_t n) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(i * 131 + i / 251);
  return v;
}

}  // namespace

TEST_CASE("packed panels round-trip for any row count, including tail panels", "[kernels]") {
  for (int64_t rows : {1, 2, 3, 4, 5, 7, 8, 9, 37}) {
    for (int64_t blocks_per_row : {1, 3, 5}) {
      const PanelShape shape{rows, blocks_per_row, 18};
      INFO("rows " << rows << " blocks " << blocks_per_row);
      const std::vector<uint8_t> rows_in = pattern(shape.row_bytes() * static_cast<size_t>(rows));
      std::vector<uint8_t> packed(rows_in.size());
      pack_panels(shape, rows_in.data(), 0, shape.blocks(), packed.data());
      if (rows > 1 && blocks_per_row > 1) CHECK(packed != rows_in);

      std::vector<uint8_t> back(rows_in.size());
      unpack_panels(shape, packed.data(), back.data());
      CHECK(back == rows_in);

      // The first block of a panel's second row follows its first row's first block.
      if (rows > 1)
        CHECK(std::vector<uint8_t>(packed.begin() + 18, packed.begin() + 36) ==
              std::vector<uint8_t>(rows_in.begin() + static_cast<int64_t>(shape.row_bytes()),
                                   rows_in.begin() + static_cast<int64_t>(shape.row_bytes()) + 18));

      for (int64_t chunk : {1, 2, 7}) {
        std::vector<uint8_t> pieces(rows_in.size());
        for (int64_t first = 0; first < shape.blocks(); first += chunk) {
          const int64_t count = first + chunk < shape.blocks() ? chunk : shape.blocks() - first;
          pack_panels(shape, rows_in.data(), first, count,
                      pieces.data() + static_cast<size_t>(first) * shape.block_bytes);
        }
        CHECK(pieces == packed);
      }

      std::vector<uint8_t> row(shape.row_bytes());
      for (int64_t r = 0; r < rows; ++r) {
        unpack_panel_row(shape, packed.data(), r, row.data());
        CHECK(std::vector<uint8_t>(row) ==
              std::vector<uint8_t>(
                  rows_in.begin() + r * static_cast<int64_t>(shape.row_bytes()),
                  rows_in.begin() + (r + 1) * static_cast<int64_t>(shape.row_bytes())));
      }
    }
  }
}

TEST_CASE("only the layouts this build reads have a panel geometry", "[kernels]") {
  CHECK(layout_panel_rows(kX86PanelLayout) == kPanelRows);
  CHECK(layout_panel_rows("arm.panel8") == 0);
  CHECK(layout_panel_rows("") == 0);
}

}  // namespace shoptalk::kernels
