#pragma once

#include <cstdint>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

struct PolicyOptions {
  double budget_s = 2;  // wall-clock cap (rarely reached; the episodes bound the work)
  int episodes = 4000;  // sampled placements to learn from
  int batch = 16;       // episodes per policy update
  double learning_rate = 0.05;
  size_t keep = 4;  // distinct placements returned, best first
  uint64_t seed = 1;
};

// The learned search of the cos search (--search rl): REINFORCE over per-unit placement.
// A placement is built unit by unit (tenants interleaved, each in topological order); a
// linear softmax policy scores each processor a unit runs on from features of that
// choice: whether the start placement (phase 2) put the unit there, the unit's cost ratio
// to its cheapest processor, the load it would bring the busiest resource it touches
// (processor and the links of its incoming copies) ahead of an even pace, the copies it
// would need in, and per processor: a bias, the stage's position and the bytes the unit
// sends out. The reward is minus the busiest resource load of the whole placement (the
// exact load model); updates use the batch's normalised advantages with Adam. Returns the
// best `keep` distinct placements sampled or taken greedily from the trained policy,
// best first. Deterministic for a seed unless the time cap cuts it short.
std::vector<Placement> policy_placement(const Problem& problem, Placement start,
                                        const PolicyOptions& options);

}  // namespace cosched
