#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

namespace cosched {
namespace {

struct FreeUnit {
  int tenant;
  int unit;
  std::vector<int> processors;  // where it runs
};

constexpr int kMaxSimulations = 20000;

}  // namespace

// Every placement, best first by the busiest-resource bound; each is simulated until the
// bound of the next reaches the best simulated period that meets every SLO. Exact for the
// simulator's objective (a plan's period never falls below its bound).
Plan schedule_exhaustive(const Problem& problem, const StrategyOptions& options) {
  Plan base = empty_plan(problem, "exhaustive");
  std::vector<FreeUnit> free;
  double combinations = 1;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const auto& units = problem.tenants[t].graph.units;
    for (size_t u = 0; u < units.size(); ++u) {
      FreeUnit entry{static_cast<int>(t), static_cast<int>(u), {}};
      for (int p = 0; p < static_cast<int>(problem.processors()); ++p) {
        if (units[u].runs_on(p)) entry.processors.push_back(p);
      }
      base.placement[t][u] = entry.processors.front();
      if (entry.processors.size() > 1) {
        combinations *= static_cast<double>(entry.processors.size());
        free.push_back(std::move(entry));
      }
    }
  }
  if (static_cast<int>(free.size()) > options.exhaustive_limit || combinations > 1 << 24) {
    fail(
        "exhaustive: {} units with a choice of processor ({:.3g} placements); the limit is {} "
        "units",
        free.size(), combinations, options.exhaustive_limit);
  }
  const auto total = static_cast<size_t>(combinations);
  auto decode = [&](size_t index, Placement& placement) {
    for (const FreeUnit& f : free) {
      placement[f.tenant][f.unit] = f.processors[index % f.processors.size()];
      index /= f.processors.size();
    }
  };
  std::vector<std::pair<double, uint32_t>> bounds(total);
  Placement placement = base.placement;
  for (size_t i = 0; i < total; ++i) {
    decode(i, placement);
    bounds[i] = {compute_loads(problem, placement).busiest_ms, static_cast<uint32_t>(i)};
  }
  std::sort(bounds.begin(), bounds.end());
  double best_period = kUnsupported;
  size_t best = total, simulated = 0;
  bool complete = true;
  Plan candidate = base;
  const SimOptions workload = workload_options(problem.workload);
  // A closed or open loop's period comes from a window of a few hundred requests and can fall
  // up to about 2% below the busiest load: stop only well past it.
  const double slack = workload.mode == "saturate" ? 1.0 : 0.95;
  for (const auto& [bound, index] : bounds) {
    if (bound * slack >= best_period) break;
    if (++simulated > kMaxSimulations) {
      complete = false;
      break;
    }
    decode(index, candidate.placement);
    SimResult result = simulate(problem, candidate, workload);
    if (meets_slos(problem, result) && result.period_ms < best_period) {
      best_period = result.period_ms;
      best = index;
    }
  }
  if (best == total) fail("exhaustive: no placement meets every SLO");
  decode(best, base.placement);
  base.optimal = complete;
  std::string why = fmt::format(
      "exhaustive: best simulated period {:.3f} ms of {} placements ({} simulated{})", best_period,
      total, std::min<size_t>(simulated, kMaxSimulations), complete ? "" : ", stopped early");
  for (auto& reasons : base.why) std::fill(reasons.begin(), reasons.end(), why);
  return base;
}

}  // namespace cosched
