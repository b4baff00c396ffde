#include "cos/sched/search/contenders.h"

#include <fmt/format.h>

#include <algorithm>

#include "cos/sched/loads.h"
#include "cos/sim/simulator.h"

namespace cosched {

void add_optima(const Problem& problem, std::vector<Placement> optima, const std::string& start,
                Contenders& contenders) {
  for (size_t i = 0; i < optima.size(); ++i) {
    Plan plan = empty_plan(problem, "cos");
    plan.placement = std::move(optima[i]);
    contenders.emplace_back(fmt::format("local optimum {} from {}", i + 1, start), std::move(plan));
  }
}

Pick pick_by_simulation(const Problem& problem, const Contenders& contenders) {
  Pick best{empty_plan(problem, "cos"), "", kUnsupported, false};
  const bool slos = std::any_of(problem.tenants.begin(), problem.tenants.end(),
                                [](const Tenant& t) { return t.slo_ms.has_value(); });
  const SimOptions options = workload_options(problem.workload);
  // No period is shorter than the busiest load, up to the measurement window's rounding: a
  // plan whose load exceeds the best period cannot win, unless SLOs decide. Closed and open
  // loops measure their period over a window of a few hundred requests, within about 2% of
  // the bound: every contender is simulated there.
  const bool prune = !slos && options.mode == "saturate";
  for (const auto& [origin, plan] : contenders) {
    if (prune && compute_loads(problem, plan.placement).busiest_ms > best.period_ms * 1.002)
      continue;
    SimResult r = simulate(problem, plan, options);
    bool meets = meets_slos(problem, r);
    if ((meets && !best.meets_slos) ||
        (meets == best.meets_slos && r.period_ms < best.period_ms * (1 - 1e-9))) {
      best.plan.placement = plan.placement;
      best.plan.rank = plan.rank;
      best.period_ms = r.period_ms;
      best.meets_slos = meets;
      best.origin = origin;
    }
  }
  best.evidence = fmt::format("simulated {:.3f} ms", best.period_ms);
  return best;
}

std::vector<Ranked> rank_by_simulation(const Problem& problem, const Contenders& contenders) {
  const SimOptions options = workload_options(problem.workload);
  std::vector<Ranked> ranked;
  for (size_t i = 0; i < contenders.size(); ++i) {
    const Plan& plan = contenders[i].second;
    const bool seen = std::any_of(ranked.begin(), ranked.end(), [&](const Ranked& r) {
      const Plan& other = contenders[r.index].second;
      return other.placement == plan.placement && other.rank == plan.rank;
    });
    if (seen) continue;
    SimResult r = simulate(problem, plan, options);
    ranked.push_back(
        {i, r.period_ms, meets_slos(problem, r), r.weighted_throughput_per_s, r.inflight});
  }
  std::stable_sort(ranked.begin(), ranked.end(), ranks_before);
  return ranked;
}

bool ranks_before(const Ranked& a, const Ranked& b) {
  return a.meets_slos != b.meets_slos ? a.meets_slos : a.period_ms < b.period_ms;
}

}  // namespace cosched
