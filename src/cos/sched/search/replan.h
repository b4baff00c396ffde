#pragma once

#include "cos/sched/plan.h"
#include "cos/sched/strategy.h"

namespace cosched {

struct ReplanOptions {
  // Phase 3 sweeps as a fraction of a full search's, and a cooler start: the start is
  // already good, so a short refine reaches a full search's quality in a fraction of its time.
  double sweep_share = 0.02;
  double start_temperature = 0.003;
  int small_problem_kicks = 100;  // iterated local search after the annealing, on small problems
  // Whether the local search may move the units of the tenants that stay (a better
  // balance after a tenant leaves) or only those of the new tenants.
  bool move_kept = true;
};

// Re-planning after tenants were added or removed (cos plan --from). `previous[t]` is the
// placement of tenant t in the current plan, or empty for a tenant that is new. The new
// tenants get phase 1 candidates, priced also by the congestion the kept tenants cause;
// phase 2 chooses theirs while the kept tenants keep theirs or take one priced by that
// congestion; a short phase 3 refines the whole
// placement; the simulator picks between the best placement it found and (unless the kept
// tenants must stay) the cheap baselines' plans. Records per unit whether it
// was kept, placed new or moved.
Plan replan_cos(const Problem& problem, const Placement& previous, const StrategyOptions& options,
                const ReplanOptions& replan = {});

}  // namespace cosched
