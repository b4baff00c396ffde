#include "cos/profile/stall_probe.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "cos/exec/cpu/core_set.h"

namespace cosched {
namespace {

TEST(StallProbe, TheUnionMergesOverlappingStallsOfTheCores) {
  const std::vector<Stall> merged =
      union_of_stalls({{{0, 2}, {10, 1}}, {{1, 3}, {20, 0.5}}, {{10.5, 0.2}}});
  ASSERT_EQ(merged.size(), 3u);
  EXPECT_DOUBLE_EQ(merged[0].at_ms, 0);
  EXPECT_DOUBLE_EQ(merged[0].ms, 4);  // 0-2 and 1-4
  EXPECT_DOUBLE_EQ(merged[1].at_ms, 10);
  EXPECT_DOUBLE_EQ(merged[1].ms, 1);  // 10.5-10.7 lies inside 10-11
  EXPECT_DOUBLE_EQ(merged[2].at_ms, 20);
}

// A second thread spinning on the probed core takes it away for the scheduler's time slices:
// the probe must see them as stalls, a large part of the time.
TEST(StallProbe, SeesTheTimeAnotherThreadTakesTheCore) {
  const int core = CoreSet::all().cores.front();
  std::atomic<bool> stop{false};
  std::thread rival([&] {
    pin_this_thread({core});
    while (!stop.load()) {
    }
  });
  const auto stalls = probe_stalls({core}, 0.5, 0.1);
  stop = true;
  rival.join();
  ASSERT_EQ(stalls.size(), 1u);
  double lost_ms = 0;
  for (const Stall& stall : stalls[0]) {
    EXPECT_GT(stall.ms, 0.1);
    EXPECT_GE(stall.at_ms, 0);
    lost_ms += stall.ms;
  }
  EXPECT_GT(lost_ms, 0.2 * 500);
  EXPECT_LT(lost_ms, 500);
}

}  // namespace
}  // namespace cosched
