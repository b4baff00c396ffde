#pragma once

#include <vector>

namespace cosched {

// A time a core was taken away from the thread running on it: from `at_ms` (since the probe
// began) for `ms`.
struct Stall {
  double at_ms = 0;
  double ms = 0;
};

// Spins a thread pinned to each of `cores`, all at once, for `seconds`, and returns per core
// the gaps longer than `min_ms` between consecutive reads of the steady clock: the times the
// core ran something else (a shared machine's other guests, the kernel's work).
std::vector<std::vector<Stall>> probe_stalls(const std::vector<int>& cores, double seconds,
                                             double min_ms);

// The stalls of work spread over several cores, which waits for each of them: the union of
// the cores' stalls, in time order, overlapping ones merged.
std::vector<Stall> union_of_stalls(const std::vector<std::vector<Stall>>& per_core);

}  // namespace cosched
