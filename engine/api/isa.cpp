// Machine-level queries: the kernel ISA in use, the DRAM read bandwidth and the int8 peak.
#include "engine/model/session.h"
#include "formats/try.h"
#include "kernels/bandwidth.h"
#include "kernels/compute_peak.h"
#include "kernels/kernels.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

Result<std::string> active_isa() {
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_TRY(kernels::kernels_for(isa));
  return std::string(kernels::isa_name(isa));
}

Result<double> measure_read_bandwidth(int threads, uint64_t bytes) {
  ST_ASSIGN_OR_RETURN(const int n_threads, engine::resolve_threads(threads));
  if (bytes < (uint64_t{1} << 20))
    return Error(ErrorCode::kInvalidArgument, "bandwidth: the buffer must be at least 1 MiB");
  kernels::ThreadPool pool(n_threads);
  const double bandwidth = kernels::measure_read_bandwidth(pool, static_cast<size_t>(bytes), 3);
  if (bandwidth <= 0)
    return Error(ErrorCode::kOutOfMemory, "bandwidth: cannot allocate the test buffer");
  return bandwidth;
}

Result<double> measure_int8_peak(int threads) {
  ST_ASSIGN_OR_RETURN(const int n_threads, engine::resolve_threads(threads));
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, kernels::kernels_for(isa));
  kernels::ThreadPool pool(n_threads);
  // About 20 ms a pass at one dot step per cycle, long enough to ride out scheduler noise; best
  // of three passes.
  const double peak = kernels::measure_int8_peak(*table, pool, int64_t{1} << 23, 3);
  if (peak <= 0)
    return Error(ErrorCode::kUnsupported,
                 std::string("int8 peak: no probe for kernel level ") + kernels::isa_name(isa));
  return peak;
}

}  // namespace shoptalk
