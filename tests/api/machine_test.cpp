// The machine-level queries: the kernel level in use, DRAM read bandwidth and the int8 peak, with
// their argument checks.
#include <catch2/catch.hpp>

#include "shoptalk/shoptalk.hpp"

namespace shoptalk {
namespace {

TEST_CASE("the int8 peak is measured on the level in use", "[api]") {
  auto isa = active_isa();
  REQUIRE(isa);
  auto peak = measure_int8_peak(0);  // every core
  REQUIRE(peak);
  CHECK(*peak > 0);
  for (int threads : {-1, 1025}) {
    auto bad = measure_int8_peak(threads);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == ErrorCode::kInvalidArgument);
  }
}

TEST_CASE("the bandwidth probe refuses bad arguments", "[api]") {
  auto threads = measure_read_bandwidth(-1);
  REQUIRE_FALSE(threads);
  CHECK(threads.error().code() == ErrorCode::kInvalidArgument);
  auto tiny = measure_read_bandwidth(1, 4096);
  REQUIRE_FALSE(tiny);
  CHECK(tiny.error().code() == ErrorCode::kInvalidArgument);
  auto small = measure_read_bandwidth(1, uint64_t{8} << 20);
  REQUIRE(small);
  CHECK(*small > 0);
}

}  // namespace
}  // namespace shoptalk
