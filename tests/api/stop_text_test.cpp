// Stop strings over a stream of pieces: nothing from a stop string on is ever released.
#include <catch2/catch.hpp>

#include "engine/api/stop_text.h"

namespace shoptalk::api {

namespace {
std::string feed(StopText& s, const std::vector<std::string>& pieces) {
  std::string out;
  for (const std::string& p : pieces) {
    out += s.push(p);
    if (s.matched()) return out;
  }
  out += s.flush();
  return out;
}
}  // namespace

TEST_CASE("a stop string split over pieces is never released", "[stop]") {
  StopText s({"STOP"});
  CHECK(s.push("abc S") == "abc ");
  CHECK(s.push("T") == "");
  CHECK(s.push("OP tail") == "");
  CHECK(s.matched());
  CHECK(s.push("more") == "");
}

TEST_CASE("held text that turns out not to be a stop string is released", "[stop]") {
  StopText s({"STOP"});
  CHECK(s.push("ST") == "");
  CHECK(s.push("ART") == "START");
  CHECK(s.push("xS") == "x");
  CHECK(s.flush() == "S");
  CHECK(!s.matched());
}

TEST_CASE("the earliest of several stop strings wins", "[stop]") {
  StopText s({"world", "lo w", ""});
  CHECK(feed(s, {"hel", "lo", " wor", "ld"}) == "hel");
  StopText none({});
  CHECK(feed(none, {"a", "b"}) == "ab");
  StopText overlap({"aab"});
  CHECK(feed(overlap, {"a", "a", "a", "b", "c"}) == "a");
}

}  // namespace shoptalk::api
