#pragma once

#include <cstdint>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

// Problems this small have rugged landscapes that annealing alone crosses poorly, and
// exact or exhaustive searches that are cheap: the cos search adds the MILP's plan, a
// re-plan adds kicks.
constexpr size_t kSmallProblemUnits = 64;

struct RefineOptions {
  double budget_s = 2;  // wall-clock cap (rarely reached; the sweeps bound the work)
  // Annealing moves per movable unit: the work, independent of the problem's size.
  double sweeps = 2000;
  // Start temperature as a fraction of the start's smoothed busiest load: a move that
  // raises it by this much is first taken with probability 1/e. Re-planning starts lower,
  // from a plan that is already good.
  double start_temperature = 0.01;
  int kicks = 0;    // then iterated local search: a few units moved at random, then a descent
  size_t keep = 4;  // distinct placements returned, best first
  uint64_t seed = 1;
  std::vector<bool> movable;  // per tenant, whose units may move; empty: every tenant's
};

// Phase 3 of the cos search: simulated annealing on the placement. A move sends one unit,
// or a run of consecutive stages of one tenant, to another processor; it is scored by a
// smooth maximum of the resource loads (every move changes it, unlike the busiest load
// alone), taken when better and otherwise with the Metropolis probability as the
// temperature falls geometrically. The best placements seen (busiest load, then the
// evenness of the loads) end with a descent over unit and stage moves, and `kicks` rounds
// of iterated local search from the best. Returns the best `keep` distinct ones, best
// first (the simulator picks among them: equal loads can stall differently).
// Deterministic for a seed unless the time cap cuts it short.
std::vector<Placement> refine_placement(const Problem& problem, Placement placement,
                                        const RefineOptions& options);

}  // namespace cosched
