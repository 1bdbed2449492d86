// The ISA level registry in C++: one entry per level of kernels/isa_levels.cmake, in its order,
// generated at configure time (<build>/generated/kernels/isa_levels.cpp) for the levels this build
// compiles. Dispatch, the API's level list and the kernel tests iterate it.
#pragma once

#include "kernels/kernels.h"

namespace shoptalk::kernels {

using TableFn = const KernelTable& (*)();

struct IsaEntry {
  Isa isa;
  const char* name;       // the SHOPTALK_ISA spelling
  const char* family;     // the folder of its sources in kernels/: "scalar", "x86", "arm"
  Isa base;               // the level it builds on, run by any CPU that runs it (scalar: itself)
  TableFn table;          // its table; null when the level is not compiled into this build
  bool (*cpu_has)();      // whether this CPU runs it; null when every CPU of the build does
  const char* cpu_needs;  // what cpu_has looks for, named in the error when it fails
};

// Indexed by Isa.
extern const IsaEntry kIsaRegistry[kIsaCount];

}  // namespace shoptalk::kernels
