// `shoptalk pack`: a GGUF copy whose weight matrices are stored in a kernel table's packed layout,
// so loading it on that level maps them in place with no repacking (weight_layout.h).
#pragma once

#include <string>

#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::engine {

// Writes `in_path`'s model to `out_path` with every weight matrix of a type the table packs in
// the table's layout; everything else is copied unchanged. The input must be a model shoptalk
// runs and not packed already; the table must have a packed layout.
Status pack_gguf(const std::string& in_path, const std::string& out_path,
                 const kernels::KernelTable& table);

}  // namespace shoptalk::engine
