#include "cos/profile/stats.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"

namespace cosched {
namespace {

TEST(TransferFit, RecoversLatencyAndBandwidth) {
  // 0.02 ms + bytes / (8 GB/s).
  std::vector<std::pair<double, double>> points;
  for (double bytes : {1e3, 1e5, 1e6, 1e7, 6.4e7}) points.push_back({bytes, 0.02 + bytes / 8e6});
  TransferFit fit = fit_transfer(points);
  EXPECT_NEAR(fit.latency_ms, 0.02, 1e-9);
  EXPECT_NEAR(fit.bandwidth_gbps, 8, 1e-6);
  EXPECT_NEAR(fit.residual_ms, 0, 1e-9);
  EXPECT_EQ(fit.points, 5);
}

TEST(TransferFit, ResidualMeasuresTheMisses) {
  TransferFit fit =
      fit_transfer({{0, 1}, {0, 3}, {10e6, 2 + 1}, {10e6, 2 + 3}});  // 2 ms per 10 MB: 5 GB/s
  EXPECT_NEAR(fit.latency_ms, 2, 1e-9);
  EXPECT_NEAR(fit.bandwidth_gbps, 5, 1e-6);
  EXPECT_NEAR(fit.residual_ms, 1, 1e-9);
}

TEST(TransferFit, RefusesTooFewSizesAndFallingTimes) {
  EXPECT_THROW(fit_transfer({{1e6, 1}, {1e6, 2}}), Error);
  EXPECT_THROW(fit_transfer({{1e3, 2}, {1e6, 1}}), Error);
}

TEST(Spread, MedianAndPercentiles) {
  Spread s = summarize_spread({5, 1, 4, 2, 3, 6, 7, 8, 9, 10});
  EXPECT_EQ(s.median_ms, 5);
  EXPECT_EQ(s.p10_ms, 1);
  EXPECT_EQ(s.p90_ms, 9);
  EXPECT_EQ(s.min_ms, 1);
  EXPECT_DOUBLE_EQ(s.mean_ms, 5.5);  // 2..9: the slowest and fastest tenth left out
  EXPECT_EQ(s.runs, 10);
}

// Runs at 10 ms, then the machine slows to 12 ms; one run stalls at 30. Over the local
// median every run is 1 but the stall (3) and the runs next to the step (1.2 or 1/1.2 at most).
TEST(Spread, RatiosToTheLocalMedianLeaveOutTheDrift) {
  std::vector<double> runs(10, 10.0);
  runs.insert(runs.end(), 10, 12.0);
  runs[15] = 30;
  std::vector<double> ratios = ratios_to_local_median(runs, 4);
  ASSERT_EQ(ratios.size(), runs.size());
  EXPECT_DOUBLE_EQ(ratios[15], 2.5);
  int ones = 0;
  for (size_t i = 0; i < ratios.size(); ++i) {
    if (i == 15) continue;
    EXPECT_GE(ratios[i], 10.0 / 12.0 - 1e-12) << i;
    EXPECT_LE(ratios[i], 1.2 + 1e-12) << i;
    ones += ratios[i] == 1.0;
  }
  EXPECT_GE(ones, 14);
  // Against the median of all runs (11 ms), every run would be 0.91 or 1.09.
  EXPECT_TRUE(ratios_to_local_median({}, 4).empty());
}

TEST(Spread, AnOpsStallsCountAsFourTimesItsMedian) {
  std::vector<double> samples(17, 1.0);  // 1 ms, and three stalls of 50-70 ms
  samples.insert(samples.end(), {50, 60, 70});
  EXPECT_NEAR(summarize_spread(samples).mean_ms, (15 + 50) / 16.0, 1e-9);
  const Spread op = summarize_op_samples(samples);
  EXPECT_NEAR(op.mean_ms, (15 + 4) / 16.0, 1e-9);  // the stall left after trimming: 4 ms
  EXPECT_EQ(op.median_ms, 1);
  EXPECT_EQ(op.runs, 20);
}

}  // namespace
}  // namespace cosched
