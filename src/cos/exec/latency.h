#pragma once

#include <vector>

namespace cosched {

// Summary of repeated latency measurements, in milliseconds.
struct Latency {
  double median = 0, p90 = 0, min = 0, mean = 0;
  int runs = 0;
};

// Nearest-rank percentiles of `samples_ms` (empty: all zero).
Latency summarize_latency(std::vector<double> samples_ms);

}  // namespace cosched
