#pragma once

#include <functional>
#include <string>
#include <vector>

#include "cos/sched/plan.h"
#include "cos/sched/search/contenders.h"

namespace cosched {

struct StrategyOptions {
  int max_segments = 0;          // layer: most segments per model; 0 = number of processors
  double time_limit_s = 60;      // milp: CBC's time limit
  int exhaustive_limit = 22;     // exhaustive: most free units it will enumerate
  int max_candidates = 16;       // cos: placements kept per tenant in phase 1
  double search_budget_s = 3;    // cos: time for phases 2 and 3
  std::string search = "local";  // cos phase 3: "local" (iterated local search) or "rl"
  uint64_t seed = 1;
  // cos: how the final plan is picked among the search's contenders (the baselines' plans
  // among them); empty: pick_by_simulation. The runtime offers a pick by running them.
  std::function<Pick(const Problem&, const Contenders&)> pick;
};

using Strategy = std::function<Plan(const Problem&, const StrategyOptions&)>;

// All strategies have the signature of DESIGN.md: Plan schedule(const Problem&, const Options&).
Plan schedule_single(const Problem& problem, const StrategyOptions& options);
Plan schedule_model(const Problem& problem, const StrategyOptions& options);
Plan schedule_layer(const Problem& problem, const StrategyOptions& options);
Plan schedule_heft(const Problem& problem, const StrategyOptions& options);
Plan schedule_milp(const Problem& problem, const StrategyOptions& options);
Plan schedule_exhaustive(const Problem& problem, const StrategyOptions& options);
Plan schedule_cos(const Problem& problem, const StrategyOptions& options);

// The LP relaxation of the MILP: a lower bound on the period of every plan.
double lp_bound_ms(const Problem& problem);

std::vector<std::string> strategy_names();  // in the order `cos compare` runs them
// The prior-art strategies whose plans the cos search also weighs.
std::vector<std::string> baseline_names();
// Runs a strategy by name, timing it into plan.search_s. Throws on an unknown name.
Plan run_strategy(const std::string& name, const Problem& problem, const StrategyOptions& options);

}  // namespace cosched
