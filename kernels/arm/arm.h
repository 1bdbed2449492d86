// The ARM kernel tables (NEON, NEON+dotprod, NEON+i8mm) and the CPU feature checks that guard them.
// Only arm_cpu.cpp and arm_table.cpp are behind this header; both are built for the baseline of
// the target (ARMv8.0 on aarch64, ARMv7-A VFPv3 on armhf), like dispatch.cpp.
#pragma once

#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::kernels::arm {

// The best level compiled in that this CPU runs (kScalar on a 32-bit CPU without NEON).
Isa best_isa();
// The table of an ARM level (kNeon, kDotprod, kI8mm), or an Error naming the missing CPU feature
// or saying the level is not compiled into this build.
Result<const KernelTable*> table_for(Isa isa);

}  // namespace shoptalk::kernels::arm
