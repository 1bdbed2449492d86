#include "formats/try.h"
#include "kernels/kernels.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

Result<std::string> active_isa() {
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_TRY(kernels::kernels_for(isa));
  return std::string(kernels::isa_name(isa));
}

}  // namespace shoptalk
