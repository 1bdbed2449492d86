// The checks every architecture's dispatch makes before handing out a level's table.
#pragma once

#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::kernels {

// The getter of a level's table; null when the level is not compiled into this build.
using TableFn = const KernelTable& (*)();

// The table of `isa` when it is compiled in (`table` not null) and this CPU runs it (`cpu_has`),
// else an Error naming the level and, for a CPU that lacks it, what it needs (`cpu_needs`).
Result<const KernelTable*> checked_level_table(Isa isa, TableFn table, bool cpu_has,
                                               const char* cpu_needs);

}  // namespace shoptalk::kernels
