#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace cosched {

// The nearest-rank percentile q (0 < q <= 1) of ascending `sorted` values: the smallest
// value with at least q of all values at or below it; 0 for no values. The simulator, the
// runtime and the profiler all use this one, so their figures compare.
inline double nearest_rank(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// `count` (at least 2) nearest-rank quantiles of ascending `sorted`, evenly spaced from the
// smallest value to the largest: how the profiler stores a spread.
inline std::vector<double> spaced_quantiles(const std::vector<double>& sorted, int count) {
  std::vector<double> quantiles;
  for (int q = 0; q < count; ++q)
    quantiles.push_back(nearest_rank(sorted, q / static_cast<double>(count - 1)));
  return quantiles;
}

// The value at fraction `u` (in [0, 1)) of evenly spaced `quantiles` (at least 2), linear
// between neighbours: a draw from the spread they describe, for a uniform `u`.
inline double between_quantiles(const std::vector<double>& quantiles, double u) {
  const double at = u * static_cast<double>(quantiles.size() - 1);
  const size_t i = std::min(static_cast<size_t>(at), quantiles.size() - 2);
  return quantiles[i] + (at - static_cast<double>(i)) * (quantiles[i + 1] - quantiles[i]);
}

// The median of `values` (the mean of the middle two for an even count); 0 for none.
inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace cosched
