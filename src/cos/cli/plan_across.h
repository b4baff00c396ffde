#pragma once

#include <vector>

#include "cos/runtime/measured_pick.h"
#include "cos/sched/plan.h"
#include "cos/sched/strategy.h"

namespace cosched::cli {

struct PlatformChoice {
  Problem problem;  // the chosen platform's
  Plan plan;
};

// The cos search on each problem (one tenant set on several platforms of this machine: other
// splits of its cores into processors), keeping the plan, and so the platform, that
// simulates best; with `tune`, the one that runs best of every platform's contenders
// (pick_by_running_across). `trials` receives the runs.
PlatformChoice plan_across_platforms(std::vector<Problem> problems, const StrategyOptions& strategy,
                                     const MeasuredPickOptions* tune, std::vector<Trial>* trials);

}  // namespace cosched::cli
