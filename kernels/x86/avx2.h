// The AVX2 (+FMA, F16C, BMI2) kernel table. Its sources are compiled with those flags; nothing
// here may run before dispatch has checked the CPU (kernels_for(Isa::kAvx2)).
#pragma once

#include "kernels/kernels.h"

namespace shoptalk::kernels::x86 {

const KernelTable& avx2_kernels();

}  // namespace shoptalk::kernels::x86
