#pragma once

#include <string>
#include <utility>

#include "cos/profile/timed_run.h"

namespace cosched {

// Runs `a` and `b` at the same time, each on its own thread, until both have `runs` timed
// runs (after one untimed run each); the one that finishes first keeps running so that the
// other is measured under load throughout. Returns the median wall time of each, in ms.
std::pair<double, double> run_together(TimedRun& a, TimedRun& b, int runs);

// One-way handoff time between a thread on cpu processor `a` and one on `b` (condition
// variable ping-pong, median of round trips / 2), in ms.
double handoff_ms(const std::string& a, const std::string& b);

}  // namespace cosched
