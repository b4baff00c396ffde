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
