#include <fmt/format.h>

#include "cos/sched/loads.h"
#include "cos/sched/strategies/whole.h"
#include "cos/sched/strategy.h"

namespace cosched {

// Every tenant on the one processor that gives the least busiest-resource load.
Plan schedule_single(const Problem& problem, const StrategyOptions&) {
  Plan best;
  double best_load = kUnsupported;
  for (size_t p = 0; p < problem.processors(); ++p) {
    Plan plan = empty_plan(problem, "single");
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      plan.placement[t] = place_whole(problem, static_cast<int>(t), static_cast<int>(p));
    }
    double load = compute_loads(problem, plan.placement).busiest_ms;
    if (load >= best_load) continue;
    best_load = load;
    const std::string& id = problem.platform.processors[p].id;
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      for (size_t u = 0; u < plan.placement[t].size(); ++u) {
        plan.why[t][u] =
            plan.placement[t][u] == static_cast<int>(p)
                ? fmt::format(
                      "single: everything on {} (busiest load {:.3f} ms, least of all processors)",
                      id, load)
                : fmt::format("single: {} cannot run it; fastest processor instead", id);
      }
    }
    best = std::move(plan);
  }
  return best;
}

}  // namespace cosched
