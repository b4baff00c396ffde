#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace cosched {

// Median, mean and spread of repeated timings, in milliseconds (nearest-rank percentiles;
// the mean leaves out the slowest and the fastest tenth of the samples).
struct Spread {
  double median_ms = 0, mean_ms = 0, p10_ms = 0, p90_ms = 0, min_ms = 0;
  int runs = 0;
};
Spread summarize_spread(std::vector<double> samples_ms);
// An op's samples: a sample over 4x the median is the machine stalling (a preempted vCPU:
// an op of 0.3 ms once took tens of ms), not the op, and counts as 4x, so that a few stalls
// do not set the op's mean (a processor's jitter carries stalls, in whole runs).
Spread summarize_op_samples(std::vector<double> samples_ms);

// Each run's time over the median of the runs around it in time (`reach` either side, itself
// included; fewer at the ends): the run-to-run spread without the drift of a shared machine's
// speed over minutes, which slows every run of a stretch alike.
std::vector<double> ratios_to_local_median(const std::vector<double>& runs_ms, size_t reach);

// Pass `pass`'s share of `runs` runs split as evenly as can be over `passes` passes.
inline int runs_in_pass(int runs, int pass, int passes) {
  return runs * (pass + 1) / passes - runs * pass / passes;
}
// Untimed runs of a model in pass `pass`: `warmup` in the first, then one to bring it back
// into the caches (none where `warmup` is 0).
inline int warmup_in_pass(int warmup, int pass) {
  return pass == 0 ? warmup : std::min(warmup, 1);
}
// Untimed runs of a model over all `passes` passes.
inline int warmup_runs(int warmup, int passes) {
  return warmup_in_pass(warmup, 0) + (passes - 1) * warmup_in_pass(warmup, 1);
}

// A transfer line fitted by least squares to (bytes, ms) points: ms = latency_ms +
// bytes / (bandwidth_gbps * 1e6); `residual_ms` is the root mean square of the misses.
struct TransferFit {
  double latency_ms = 0;
  double bandwidth_gbps = 0;
  double residual_ms = 0;
  int points = 0;
};
// Throws cosched::Error with fewer than two distinct sizes or when time does not grow with
// bytes. A negative intercept is clamped to 0 (and the slope refitted through the origin).
TransferFit fit_transfer(const std::vector<std::pair<double, double>>& bytes_ms);

}  // namespace cosched
