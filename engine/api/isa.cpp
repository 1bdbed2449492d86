// Machine-level queries: the kernel ISA levels and the one in use, the DRAM read bandwidth and
// the int8 peak.
#include <cstring>

#include "engine/api/guard.h"
#include "engine/model/session.h"
#include "formats/try.h"
#include "kernels/bandwidth.h"
#include "kernels/compute_peak.h"
#include "kernels/kernels.h"
#include "kernels/level_table.h"
#include "shoptalk/shoptalk.hpp"

namespace shoptalk {

namespace {
Error no_threads(const kernels::ThreadPool& pool) {
  return Error(ErrorCode::kOutOfMemory,
               std::string("cannot start the measuring threads: ") + std::strerror(pool.error()));
}
}  // namespace

Result<std::string> active_isa() {
  return api::guarded([&]() -> Result<std::string> {
    ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
    ST_TRY(kernels::kernels_for(isa));
    return std::string(kernels::isa_name(isa));
  });
}

Result<std::vector<IsaLevel>> isa_levels() {
  return api::guarded([&]() -> Result<std::vector<IsaLevel>> {
    std::vector<IsaLevel> levels;
    for (const kernels::IsaEntry& entry : kernels::kIsaRegistry) {
      if (!entry.table) continue;
      const Result<const kernels::KernelTable*> table = kernels::kernels_for(entry.isa);
      levels.push_back({entry.name, table.ok(), table ? "" : table.error().message()});
    }
    return levels;
  });
}

Result<double> measure_read_bandwidth(int threads, uint64_t bytes) {
  return api::guarded([&]() -> Result<double> {
    ST_ASSIGN_OR_RETURN(const int n_threads, engine::resolve_threads(threads));
    if (bytes < (uint64_t{1} << 20))
      return Error(ErrorCode::kInvalidArgument, "bandwidth: the buffer must be at least 1 MiB");
    kernels::ThreadPool pool(n_threads);
    if (!pool.ok()) return no_threads(pool);
    const double bandwidth = kernels::measure_read_bandwidth(pool, static_cast<size_t>(bytes), 3);
    if (bandwidth <= 0)
      return Error(ErrorCode::kOutOfMemory, "bandwidth: cannot allocate the test buffer");
    return bandwidth;
  });
}

Result<double> measure_int8_peak(int threads) {
  return api::guarded([&]() -> Result<double> {
    ST_ASSIGN_OR_RETURN(const int n_threads, engine::resolve_threads(threads));
    ST_ASSIGN_OR_RETURN(const kernels::Isa isa, kernels::isa_from_env());
    ST_ASSIGN_OR_RETURN(const kernels::KernelTable* table, kernels::kernels_for(isa));
    kernels::ThreadPool pool(n_threads);
    if (!pool.ok()) return no_threads(pool);
    // About 20 ms a pass at one dot step per cycle, long enough to ride out scheduler noise;
    // best of three passes.
    const double peak = kernels::measure_int8_peak(*table, pool, int64_t{1} << 23, 3);
    if (peak <= 0)
      return Error(ErrorCode::kUnsupported,
                   std::string("int8 peak: no probe for kernel level ") + kernels::isa_name(isa));
    return peak;
  });
}

}  // namespace shoptalk
