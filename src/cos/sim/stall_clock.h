#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "cos/sched/platform.h"

namespace cosched {

// The stalls of one processor in a simulation: a Poisson process at its measured rate, with
// lengths drawn from its measured quantiles; the same for every plan simulated with a seed.
// A stall delays what the processor runs then (and so every request queued behind it), as a
// shared machine taking a core away does.
class StallClock {
 public:
  StallClock(const Processor& processor, uint64_t seed);
  // When work of `work_ms` that starts at `start_ms` ends: later by the part after start_ms of
  // every stall that begins before it ends. Calls come in order of their start (the
  // processor runs one thing at a time).
  double finish_ms(double start_ms, double work_ms);

 private:
  void next();  // draws the stall after the current one

  double per_ms_ = 0;
  std::vector<double> lengths_;
  std::mt19937_64 rng_;
  double at_ms_ = 0, length_ms_ = 0;  // the next stall not yet over
};

}  // namespace cosched
