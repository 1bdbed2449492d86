// Weight matrices in the layout the kernels stream best (docs/kernels.md, "Packed weights").
//
// A file written by `shoptalk pack` names its layout (shoptalk.packed_layout) and the tensors
// stored in it (shoptalk.packed_tensors). At load each matrix is brought to the kernel table's
// layout: used in place when it already is, otherwise copied into the packed layout or back to
// row-major, the mapped pages of the original released so resident memory does not double.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <vector>

#include "formats/gguf.h"
#include "kernels/kernels.h"
#include "kernels/matmul.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

inline constexpr std::string_view kPackedLayoutKey = "shoptalk.packed_layout";
inline constexpr std::string_view kPackedTensorsKey = "shoptalk.packed_tensors";

// What a file declares packed; an empty layout for an ordinary file.
struct FilePacking {
  std::string_view layout;
  std::vector<std::string_view> tensors;
};
Result<FilePacking> read_file_packing(const gguf::GgufFile& file);

// The weight matrices copied at load (malloc'd: 2 MiB-aligned, advised to use huge pages).
struct FreeBytes {
  void operator()(uint8_t* p) const { std::free(p); }
};
using WeightCopy = std::unique_ptr<uint8_t[], FreeBytes>;

// Whether the table's packed layout holds weights of this type.
bool packs_type(const kernels::KernelTable& table, GgmlType type);

// How arrange_weights treats row-major matrices of a packable type.
enum class Repack {
  kIfMapped,  // copy into the packed layout when the file is mapped (its pages can be released);
              // weights in caller memory stay in place rather than doubling the memory
  kNever,     // keep them in place
};

// Brings each weight (a view into `file`, as the loader resolved it; views of one tensor share
// its result) to the table's layout. The copies live in one block, `copies`. A file packed in a
// layout this build cannot read, or declaring packed tensors that are not weight matrices, is an
// Error.
Status arrange_weights(const gguf::GgufFile& file, const kernels::KernelTable& table, Repack repack,
                       const std::vector<kernels::Weight*>& weights, WeightCopy& copies);

}  // namespace shoptalk::engine
