// Machine-level queries: the kernel ISA in use and the DRAM read bandwidth.
#include <thread>

#include "formats/try.h"
#include "kernels/bandwidth.h"
#include "kernels/kernels.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

Result<std::string> active_isa() {
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_TRY(kernels::kernels_for(isa));
  return std::string(kernels::isa_name(isa));
}

Result<double> measure_read_bandwidth(int threads, uint64_t bytes) {
  if (threads < 0 || threads > 1024 || bytes < (uint64_t{1} << 20))
    return Error(ErrorCode::kInvalidArgument,
                 "bandwidth: threads must be 0..1024 and bytes >= 1 MiB");
  kernels::ThreadPool pool(
      threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  const double bandwidth = kernels::measure_read_bandwidth(pool, static_cast<size_t>(bytes), 3);
  if (bandwidth <= 0)
    return Error(ErrorCode::kOutOfMemory, "bandwidth: cannot allocate the test buffer");
  return bandwidth;
}

}  // namespace shoptalk
