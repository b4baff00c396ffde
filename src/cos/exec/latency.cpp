#include "cos/exec/latency.h"

#include <algorithm>
#include <numeric>

#include "cos/common/percentile.h"

namespace cosched {

Latency summarize_latency(std::vector<double> samples_ms) {
  Latency l;
  l.runs = static_cast<int>(samples_ms.size());
  if (samples_ms.empty()) return l;
  std::sort(samples_ms.begin(), samples_ms.end());
  l.median = nearest_rank(samples_ms, 0.5);
  l.p90 = nearest_rank(samples_ms, 0.9);
  l.min = samples_ms.front();
  l.mean = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) / l.runs;
  return l;
}

}  // namespace cosched
