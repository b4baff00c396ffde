#include "cos/exec/cpu/fast_silu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace cosched {
namespace {

double exact_silu(double x) {
  return x / (1 + std::exp(-x));
}

// Every float from -120 to 120 in steps of 1/1024 (over 245,000 values: the vector body, the
// threads' chunks and a tail of fewer than 16): relative error under 1e-5 against double
// (absolute below 1e-30, where float has no normal numbers left).
TEST(FastSilu, MatchesXTimesSigmoidOverTheFloatRange) {
  std::vector<float> x;
  for (int i = -120 * 1024; i <= 120 * 1024; ++i) x.push_back(static_cast<float>(i) / 1024);
  x.push_back(0.0f);
  std::vector<float> y = x;
  silu_in_place(y.data(), y.size());
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double expected = exact_silu(x[i]);
    const double error = std::abs(y[i] - expected);
    worst = std::max(worst, error / std::max(std::abs(expected), 1e-30));
  }
  EXPECT_LT(worst, 1e-5);
}

TEST(FastSilu, SaturatesAtTheEnds) {
  std::vector<float> x = {-1e30f, -200.0f, 200.0f, 1e30f, 3.0f,  -3.0f, 0.5f,  -0.5f,
                          1.0f,   2.0f,    4.0f,   8.0f,  16.0f, 32.0f, 64.0f, -64.0f};
  std::vector<float> y = x;
  silu_in_place(y.data(), y.size());
  EXPECT_EQ(y[0], 0.0f);
  EXPECT_EQ(y[1], 0.0f);
  EXPECT_EQ(y[2], 200.0f);
  EXPECT_EQ(y[3], 1e30f);
  for (size_t i = 4; i < x.size(); ++i)
    EXPECT_NEAR(y[i], exact_silu(x[i]), 1e-5 * std::abs(exact_silu(x[i]))) << x[i];
  float nan = std::numeric_limits<float>::quiet_NaN();
  silu_in_place(&nan, 1);
  EXPECT_TRUE(std::isnan(nan));
}

}  // namespace
}  // namespace cosched
