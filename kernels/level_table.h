// The checks every architecture's dispatch makes before choosing or handing out a level's table.
#pragma once

#include <initializer_list>

#include "kernels/kernels.h"
#include "shoptalk/result.hpp"

namespace shoptalk::kernels {

// The getter of a level's table; null when the level is not compiled into this build.
using TableFn = const KernelTable& (*)();

// The table of `isa` when it is compiled in (`table` not null) and this CPU runs it (`cpu_has`),
// else an Error naming the level and, for a CPU that lacks it, what it needs (`cpu_needs`).
Result<const KernelTable*> checked_level_table(Isa isa, TableFn table, bool cpu_has,
                                               const char* cpu_needs);

// The first of `best_first` whose table is compiled in (compiled_table(isa) not null) and that
// this CPU runs (cpu_has(isa)); kScalar when there is none.
template <class CompiledTable, class CpuHas>
Isa best_level(std::initializer_list<Isa> best_first, CompiledTable compiled_table,
               CpuHas cpu_has) {
  for (Isa isa : best_first)
    if (compiled_table(isa) && cpu_has(isa)) return isa;
  return Isa::kScalar;
}

}  // namespace shoptalk::kernels
