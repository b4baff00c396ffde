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

}  // namespace cosched
