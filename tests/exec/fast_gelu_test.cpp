#include "cos/exec/cpu/fast_gelu.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace cosched {
namespace {

// Every float from -40 to 40 in steps of 1/1024, as rows of 37 values (the 8-lane body and a
// tail) 40 apart (the gaps stay as they were): absolute error under 2e-7 * max(1, |x|)
// against double.
TEST(FastGelu, MatchesXTimesPhiOverTheRange) {
  constexpr int64_t kCols = 37, kStride = 40;
  std::vector<float> x;
  for (int i = -40 * 1024; i <= 40 * 1024; ++i) x.push_back(static_cast<float>(i) / 1024);
  const int64_t rows = static_cast<int64_t>(x.size()) / kCols;
  std::vector<float> data(rows * kStride, -7.0f);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < kCols; ++c) data[r * kStride + c] = x[r * kCols + c];
  gelu_rows(data.data(), rows, kCols, kStride);
  double worst = 0;
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      const double v = x[r * kCols + c];
      const double expected = 0.5 * v * (1 + std::erf(v / std::sqrt(2.0)));
      worst =
          std::max(worst, std::abs(data[r * kStride + c] - expected) / std::max(1.0, std::abs(v)));
    }
    for (int64_t c = kCols; c < kStride; ++c) ASSERT_EQ(data[r * kStride + c], -7.0f);
  }
  EXPECT_LT(worst, 2e-7);
}

TEST(FastGelu, IsExactAtZeroAndSaturatesAtTheEnds) {
  std::vector<float> x = {0.0f, -1e30f, -200.0f, -30.0f, 30.0f, 200.0f, 1e30f, 1.0f};
  gelu_rows(x.data(), 1, static_cast<int64_t>(x.size()), 0);
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_EQ(x[1], 0.0f);
  EXPECT_EQ(x[2], 0.0f);
  EXPECT_EQ(x[3], 0.0f);
  EXPECT_EQ(x[4], 30.0f);
  EXPECT_EQ(x[5], 200.0f);
  EXPECT_EQ(x[6], 1e30f);
  EXPECT_NEAR(x[7], 0.8413447460685429, 2e-7);
}

}  // namespace
}  // namespace cosched
