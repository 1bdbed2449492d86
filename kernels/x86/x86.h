// The x86 kernel tables (AVX2, AVX-VNNI, AVX-512) and the CPU feature checks that guard them. Only
// x86_cpu.cpp and x86_table.cpp are behind this header; both are built for the x86-64 baseline,
// like dispatch.cpp.
#pragma once

#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::kernels::x86 {

// The best level compiled in that this CPU runs (kScalar without AVX2).
Isa best_isa();
// The table of an x86 level (kAvx2, kAvxVnni, kAvx512), or an Error naming the missing CPU
// features or saying the level is not compiled into this build.
Result<const KernelTable*> table_for(Isa isa);

}  // namespace shoptalk::kernels::x86
