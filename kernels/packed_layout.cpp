#include "kernels/packed_layout.h"

#include <cstring>

#include "formats/quant_table.h"

namespace shoptalk::kernels {

namespace {

// Calls copy(packed_index, row_major_index) for packed positions [first, first + count), walking
// panel by panel without a division per block.
template <class Copy>
void walk_packed(const PanelShape& s, int64_t first, int64_t count, Copy copy) {
  const int64_t panel_blocks = s.panel_rows * s.blocks_per_row;
  int64_t panel = first / panel_blocks;
  int64_t width =
      s.rows - panel * s.panel_rows < s.panel_rows ? s.rows - panel * s.panel_rows : s.panel_rows;
  const int64_t in_panel = first - panel * panel_blocks;
  int64_t b = in_panel / width;
  int64_t i = in_panel % width;
  for (int64_t k = first; k < first + count; ++k) {
    copy(k, (panel * s.panel_rows + i) * s.blocks_per_row + b);
    if (++i < width) continue;
    i = 0;
    if (++b < s.blocks_per_row) continue;
    b = 0;
    ++panel;
    const int64_t left = s.rows - panel * s.panel_rows;
    width = left < s.panel_rows ? left : s.panel_rows;
  }
}

}  // namespace

int64_t layout_panel_rows(std::string_view layout) {
  return layout == kX86PanelLayout ? kPanelRows : 0;
}

PanelShape panel_shape(GgmlType type, int64_t rows, int64_t cols, int64_t panel_rows) {
  const QuantTypeInfo& info = quant_type_info(type);
  return {rows, cols / info.block_size, static_cast<size_t>(info.type_size), panel_rows};
}

void pack_panels(const PanelShape& shape, const uint8_t* rows, int64_t first, int64_t count,
                 uint8_t* packed) {
  const size_t bytes = shape.block_bytes;
  walk_packed(shape, first, count, [&](int64_t k, int64_t src) {
    std::memcpy(packed + static_cast<size_t>(k - first) * bytes,
                rows + static_cast<size_t>(src) * bytes, bytes);
  });
}

void unpack_panels(const PanelShape& shape, const uint8_t* packed, uint8_t* rows) {
  const size_t bytes = shape.block_bytes;
  walk_packed(shape, 0, shape.blocks(), [&](int64_t k, int64_t dst) {
    std::memcpy(rows + static_cast<size_t>(dst) * bytes, packed + static_cast<size_t>(k) * bytes,
                bytes);
  });
}

void unpack_panel_row(const PanelShape& shape, const uint8_t* packed, int64_t r, uint8_t* row) {
  const int64_t panel = r / shape.panel_rows;
  const int64_t left = shape.rows - panel * shape.panel_rows;
  const int64_t width = left < shape.panel_rows ? left : shape.panel_rows;
  const int64_t i = r - panel * shape.panel_rows;
  const uint8_t* src =
      packed +
      static_cast<size_t>(panel * shape.panel_rows * shape.blocks_per_row + i) * shape.block_bytes;
  const size_t step = static_cast<size_t>(width) * shape.block_bytes;
  for (int64_t b = 0; b < shape.blocks_per_row; ++b)
    std::memcpy(row + static_cast<size_t>(b) * shape.block_bytes,
                src + static_cast<size_t>(b) * step, shape.block_bytes);
}

}  // namespace shoptalk::kernels
