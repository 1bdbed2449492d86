// shoptalk::pack_model: a packed copy of a model file for the kernel level in use.
#include "engine/api/guard.h"
#include "engine/model/pack_file.h"
#include "formats/try.h"
#include "kernels/kernels.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

Status pack_model(const std::string& in_path, const std::string& out_path) {
  return api::guarded([&]() -> Status {
    ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
    ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, kernels::kernels_for(isa));
    Status status = engine::pack_gguf(in_path, out_path, *table);
    if (!status && status.error().message().find(in_path) == std::string::npos)
      return Error(status.error().code(), in_path + ": " + status.error().message());
    return status;
  });
}

}  // namespace shoptalk
