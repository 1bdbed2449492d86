// Resident memory of this process and the page cache of model files, for the benchmark's memory
// and cold-start figures (Linux /proc and posix_fadvise).
#pragma once

#include <cstdint>
#include <string>

namespace shoptalk::bench {

// Peak resident set size since the last reset_peak_rss() (VmHWM), in bytes; 0 if unknown.
uint64_t peak_rss_bytes();
// Resets the peak to the current resident size, so each model's peak is measured on its own.
void reset_peak_rss();
// Asks the kernel to drop the file's pages from the page cache, so the next load is cold.
// Returns false when it could not (the load is then warm, and reported as such).
bool evict_from_page_cache(const std::string& path);

}  // namespace shoptalk::bench
