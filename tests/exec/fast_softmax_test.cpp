#include "cos/exec/cpu/fast_softmax.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace cosched {
namespace {

// Rows of lengths around the vector width (the vector body and the tail), long ones split
// over the threads, values from -60 to 60: relative error under 1e-5 against double (x - max
// is rounded to float, as in any float softmax), each row summing to 1; in place too.
TEST(FastSoftmax, MatchesTheExactSoftmax) {
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> uniform(-60, 60);
  for (int64_t len : {1, 5, 15, 16, 17, 33, 197, 1000}) {
    for (bool in_place : {false, true}) {
      SCOPED_TRACE(std::to_string(len) + (in_place ? " in place" : ""));
      const int64_t rows = len == 1000 ? 40 : 3;
      std::vector<float> x(rows * len), y(x.size());
      for (float& v : x) v = uniform(rng);
      if (in_place) {
        y = x;
        softmax_rows(y.data(), y.data(), rows, len);
      } else {
        softmax_rows(x.data(), y.data(), rows, len);
      }
      for (int64_t r = 0; r < rows; ++r) {
        double max = -INFINITY, sum = 0, total = 0;
        for (int64_t i = 0; i < len; ++i) max = std::max<double>(max, x[r * len + i]);
        for (int64_t i = 0; i < len; ++i) sum += std::exp(double(x[r * len + i]) - max);
        for (int64_t i = 0; i < len; ++i) {
          const double expected = std::exp(double(x[r * len + i]) - max) / sum;
          ASSERT_NEAR(y[r * len + i], expected, 1e-5 * expected + 1e-30)
              << "row " << r << " at " << i;
          total += y[r * len + i];
        }
        EXPECT_NEAR(total, 1.0, 1e-5);
      }
    }
  }
}

// -inf (a masked value) gets 0, the rest as if it were absent.
TEST(FastSoftmax, GivesMinusInfinityZero) {
  std::vector<float> x(20, 1.0f);
  x[3] = x[18] = -INFINITY;
  std::vector<float> y(x.size());
  softmax_rows(x.data(), y.data(), 1, 20);
  for (size_t i = 0; i < x.size(); ++i)
    EXPECT_FLOAT_EQ(y[i], std::isinf(x[i]) ? 0.0f : 1.0f / 18) << i;
}

}  // namespace
}  // namespace cosched
