#include "cos/sim/stall_clock.h"

#include <gtest/gtest.h>

namespace cosched {
namespace {

Processor stalling(double per_s, std::vector<double> ms) {
  Processor p{.id = "cpu:0", .kind = "cpu"};
  p.stalls_per_s = per_s;
  p.stall_ms = std::move(ms);
  return p;
}

TEST(StallClock, WithoutStallsWorkTakesItsTime) {
  StallClock clock(stalling(0, {}), 1);
  EXPECT_DOUBLE_EQ(clock.finish_ms(5, 2), 7);
  EXPECT_DOUBLE_EQ(clock.finish_ms(1e9, 2), 1e9 + 2);
}

TEST(StallClock, BusyTimeGrowsByTheStallsItRunsInto) {
  // 10 stalls of 1 ms a second: 100 s of back-to-back work takes about 1% longer.
  StallClock clock(stalling(10, {1, 1}), 7);
  double now = 0;
  for (int i = 0; i < 100000; ++i) now = clock.finish_ms(now, 1);
  EXPECT_NEAR(now - 100000, 1000, 120);
}

TEST(StallClock, StallsWhileIdleDelayNothing) {
  // Short work every 100 ms meets only the rest of a stall under way when it starts.
  StallClock clock(stalling(10, {1, 1}), 7);
  double late = 0;
  for (int i = 0; i < 1000; ++i) late += clock.finish_ms(100.0 * i, 0.01) - (100.0 * i + 0.01);
  EXPECT_GT(late, 0);
  EXPECT_LT(late, 30);  // about 1000 x 1% x 0.5 ms
}

TEST(StallClock, TheSameSeedDrawsTheSameStalls) {
  StallClock a(stalling(50, {0.5, 4}), 3), b(stalling(50, {0.5, 4}), 3),
      c(stalling(50, {0.5, 4}), 4);
  double ta = 0, tb = 0, tc = 0;
  for (int i = 0; i < 1000; ++i) {
    ta = a.finish_ms(ta, 1);
    tb = b.finish_ms(tb, 1);
    tc = c.finish_ms(tc, 1);
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
}

}  // namespace
}  // namespace cosched
