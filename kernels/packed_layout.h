// The packed weight layout: a matrix stored as panels of kPanelRows consecutive rows whose blocks
// are interleaved — block 0 of each row of the panel, then block 1 of each, and so on — so a
// multi-row GEMV reads one contiguous stream instead of kPanelRows. The last panel holds the
// rows % kPanelRows remaining rows (interleaved the same way) when that is not 0.
//
// Only the order of the quant blocks changes: a packed matrix keeps its ggml type and its size, so
// memory accounting and file sizes are those of the row-major matrix.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "formats/ggml_type.h"

namespace shoptalk::kernels {

inline constexpr int64_t kPanelRows = 4;
// The name a packed GGUF records for this layout (key shoptalk.packed_layout), for the kernels of
// the x86 family that stream it.
inline constexpr std::string_view kX86PanelLayout = "x86.panel4";

// Panel rows of a layout name this build can read, 0 for an unknown name.
int64_t layout_panel_rows(std::string_view layout);

// The geometry of one matrix: rows of blocks_per_row blocks of block_bytes each.
struct PanelShape {
  int64_t rows = 0;
  int64_t blocks_per_row = 0;
  size_t block_bytes = 0;
  int64_t panel_rows = kPanelRows;

  int64_t blocks() const { return rows * blocks_per_row; }
  size_t row_bytes() const { return static_cast<size_t>(blocks_per_row) * block_bytes; }
};

// The shape of a rows × cols matrix of a block type (cols a multiple of its block size).
PanelShape panel_shape(GgmlType type, int64_t rows, int64_t cols, int64_t panel_rows = kPanelRows);

// Writes packed blocks [first, first + count) (in packed order) from the row-major matrix `rows`
// to `packed` (count blocks). Any range works, so a file writer can pack chunk by chunk.
void pack_panels(const PanelShape& shape, const uint8_t* rows, int64_t first, int64_t count,
                 uint8_t* packed);
// The whole packed matrix back to row-major order.
void unpack_panels(const PanelShape& shape, const uint8_t* packed, uint8_t* rows);
// Row r of a packed matrix, in row-major form (shape.row_bytes() bytes).
void unpack_panel_row(const PanelShape& shape, const uint8_t* packed, int64_t r, uint8_t* row);

}  // namespace shoptalk::kernels
