#pragma once

#include <cstdint>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

struct RefineOptions {
  double budget_s = 2;  // wall-clock cap (rarely reached; the kicks bound the work)
  int kicks = 8000;     // perturbations of the iterated local search
  size_t keep = 4;      // distinct local optima returned, best first
  uint64_t seed = 1;
  std::vector<bool> movable;  // per tenant, whose units may move; empty: every tenant's
};

// Phase 3 of the cos search: iterated local search on the placement. The local search
// moves one unit, or a whole stage, to another processor and keeps a move when the
// busiest load falls, or stays equal while the loads grow more even. Each kick moves a
// few random units and searches again from there. Returns the best `keep` distinct local
// optima found, best first (the simulator picks among them: equal loads can stall
// differently). Deterministic for a seed unless the time cap cuts it short.
std::vector<Placement> refine_placement(const Problem& problem, Placement placement,
                                        const RefineOptions& options);

}  // namespace cosched
