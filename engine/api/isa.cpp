// Machine-level queries: the kernel ISA in use, the DRAM read bandwidth and the int8 peak.
#include <thread>

#include "formats/try.h"
#include "kernels/bandwidth.h"
#include "kernels/compute_peak.h"
#include "kernels/kernels.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

namespace {
int pool_threads(int threads) {
  return threads > 0 ? threads
                     : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}
}  // namespace

Result<std::string> active_isa() {
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_TRY(kernels::kernels_for(isa));
  return std::string(kernels::isa_name(isa));
}

Result<double> measure_read_bandwidth(int threads, uint64_t bytes) {
  if (threads < 0 || threads > 1024 || bytes < (uint64_t{1} << 20))
    return Error(ErrorCode::kInvalidArgument,
                 "bandwidth: threads must be 0..1024 and bytes >= 1 MiB");
  kernels::ThreadPool pool(pool_threads(threads));
  const double bandwidth = kernels::measure_read_bandwidth(pool, static_cast<size_t>(bytes), 3);
  if (bandwidth <= 0)
    return Error(ErrorCode::kOutOfMemory, "bandwidth: cannot allocate the test buffer");
  return bandwidth;
}

Result<double> measure_int8_peak(int threads) {
  if (threads < 0 || threads > 1024)
    return Error(ErrorCode::kInvalidArgument, "int8 peak: threads must be 0..1024");
  ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
  ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, kernels::kernels_for(isa));
  kernels::ThreadPool pool(pool_threads(threads));
  // About 20 ms a pass at one dot step per cycle, long enough to ride out scheduler noise; best
  // of three passes.
  const double peak = kernels::measure_int8_peak(*table, pool, int64_t{1} << 23, 3);
  if (peak <= 0)
    return Error(ErrorCode::kUnsupported,
                 std::string("int8 peak: no probe for kernel level ") + kernels::isa_name(isa));
  return peak;
}

}  // namespace shoptalk
