#include "cos/profile/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "cos/common/error.h"
#include "cos/common/percentile.h"

namespace cosched {

Spread summarize_spread(std::vector<double> samples_ms) {
  Spread s;
  s.runs = static_cast<int>(samples_ms.size());
  if (samples_ms.empty()) return s;
  std::sort(samples_ms.begin(), samples_ms.end());
  s.median_ms = nearest_rank(samples_ms, 0.5);
  s.p10_ms = nearest_rank(samples_ms, 0.1);
  s.p90_ms = nearest_rank(samples_ms, 0.9);
  s.min_ms = samples_ms.front();
  const size_t trim = samples_ms.size() / 10;  // the slowest and fastest tenth
  s.mean_ms = std::accumulate(samples_ms.begin() + trim, samples_ms.end() - trim, 0.0) /
              static_cast<double>(samples_ms.size() - 2 * trim);
  return s;
}

Spread summarize_op_samples(std::vector<double> samples_ms) {
  const double cap = 4 * summarize_spread(samples_ms).median_ms;
  for (double& ms : samples_ms) ms = std::min(ms, cap);
  return summarize_spread(std::move(samples_ms));
}

TransferFit fit_transfer(const std::vector<std::pair<double, double>>& bytes_ms) {
  std::set<double> sizes;
  for (const auto& [bytes, ms] : bytes_ms) sizes.insert(bytes);
  if (sizes.size() < 2) fail("transfer fit: {} distinct sizes; at least 2 needed", sizes.size());
  const double n = static_cast<double>(bytes_ms.size());
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (const auto& [x, y] : bytes_ms) {
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
  double intercept = (sy - slope * sx) / n;
  if (intercept < 0) {
    intercept = 0;
    slope = sxy / sxx;
  }
  if (!(slope > 0)) fail("transfer fit: time does not grow with bytes");
  TransferFit fit;
  fit.latency_ms = intercept;
  fit.bandwidth_gbps = 1.0 / (slope * 1e6);
  double squares = 0;
  for (const auto& [x, y] : bytes_ms) squares += std::pow(y - (intercept + slope * x), 2);
  fit.residual_ms = std::sqrt(squares / n);
  fit.points = static_cast<int>(bytes_ms.size());
  return fit;
}

std::vector<double> ratios_to_local_median(const std::vector<double>& runs_ms, size_t reach) {
  std::vector<double> ratios;
  for (size_t i = 0; i < runs_ms.size(); ++i) {
    const size_t from = i > reach ? i - reach : 0, to = std::min(runs_ms.size(), i + reach + 1);
    std::vector<double> around(runs_ms.begin() + from, runs_ms.begin() + to);
    std::sort(around.begin(), around.end());
    const double median = nearest_rank(around, 0.5);
    if (median > 0) ratios.push_back(runs_ms[i] / median);
  }
  return ratios;
}

}  // namespace cosched
