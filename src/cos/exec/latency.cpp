#include "cos/exec/latency.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace cosched {

Latency summarize_latency(std::vector<double> samples_ms) {
  Latency l;
  l.runs = static_cast<int>(samples_ms.size());
  if (samples_ms.empty()) return l;
  std::sort(samples_ms.begin(), samples_ms.end());
  auto rank = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(samples_ms.size())));
    return samples_ms[std::clamp<size_t>(k, 1, samples_ms.size()) - 1];
  };
  l.median = rank(0.5);
  l.p90 = rank(0.9);
  l.min = samples_ms.front();
  l.mean = std::accumulate(samples_ms.begin(), samples_ms.end(), 0.0) / l.runs;
  return l;
}

}  // namespace cosched
