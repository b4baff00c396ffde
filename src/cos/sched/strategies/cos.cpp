#include <fmt/format.h>

#include <algorithm>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
#include "cos/sched/search/candidates.h"
#include "cos/sched/search/contenders.h"
#include "cos/sched/search/policy.h"
#include "cos/sched/search/refine.h"
#include "cos/sched/search/select.h"
#include "cos/sched/strategy.h"

namespace cosched {
namespace {

constexpr int kPriceRounds = 3;

}  // namespace

// The cos search: per-tenant candidates by dynamic programming over stages (phase 1),
// the joint choice that least loads the busiest resource (phase 2, repeated with prices
// from the congestion it finds), local search unit by unit and stage by stage, or the
// learned policy with --search rl (phase 3), then the simulator picks the best of the
// refined plans, the baselines' plans and, on small problems, the MILP's.
Plan schedule_cos(const Problem& problem, const StrategyOptions& options) {
  if (options.search != "local" && options.search != "rl")
    fail("--search: unknown search '{}' (local or rl)", options.search);
  const size_t tenants = problem.tenants.size();
  const size_t K = static_cast<size_t>(std::max(1, options.max_candidates));
  std::vector<std::vector<Candidate>> candidates(tenants);
  std::vector<std::vector<double>> prices = exploration_prices(problem);
  std::vector<int> chosen;
  for (int round = 0; round < kPriceRounds; ++round) {
    for (size_t t = 0; t < tenants; ++t) {
      merge_candidates(candidates[t], tenant_candidates(problem, static_cast<int>(t), prices, K),
                       K);
    }
    chosen = select_candidates(problem, candidates, options.search_budget_s / 4);
    prices = {congestion_prices(selection_loads(problem, candidates, chosen))};
  }
  Placement placement(tenants);
  for (size_t t = 0; t < tenants; ++t) placement[t] = candidates[t][chosen[t]].place;
  double phase2 = compute_loads(problem, placement).busiest_ms;
  // Phase 3 starts from the phase 2 choice; on large problems also from HEFT's placement,
  // which there is the better start (half the sweeps and time each).
  constexpr size_t kLargeUnits = 1000;
  const bool two_starts = problem.units() > kLargeUnits;
  Plan heft = run_strategy("heft", problem, options);
  const double budget_s = options.search_budget_s / (two_starts ? 4 : 2);
  auto phase3 = [&](Placement start) {
    if (options.search == "rl") {
      PolicyOptions policy;
      policy.budget_s = budget_s;
      policy.episodes = PolicyOptions{}.episodes / (two_starts ? 2 : 1);
      policy.seed = options.seed;
      return policy_placement(problem, std::move(start), policy);
    }
    RefineOptions refine;
    refine.budget_s = budget_s;
    refine.sweeps = RefineOptions{}.sweeps / (two_starts ? 2 : 1);
    refine.seed = options.seed;
    return refine_placement(problem, std::move(start), refine);
  };
  std::vector<Placement> refined = phase3(std::move(placement));
  double phase3_ms = compute_loads(problem, refined.front()).busiest_ms;
  std::vector<Placement> from_heft;
  if (two_starts) from_heft = phase3(heft.placement);

  Contenders contenders;
  add_optima(problem, std::move(refined), "phase 2", contenders);
  add_optima(problem, std::move(from_heft), "heft", contenders);
  for (const std::string& baseline : baseline_names()) {
    contenders.emplace_back(
        baseline, baseline == "heft" ? std::move(heft) : run_strategy(baseline, problem, options));
  }
  // On small problems the exact optimum of the loads is quick to find, and it can lie where
  // the annealing's moves do not reach (several units rotating between three
  // processors at once): the MILP is a contender too, within a quarter of the budget.
  if (problem.units() <= kSmallProblemUnits) {
    StrategyOptions exact = options;
    exact.time_limit_s = std::min(options.time_limit_s, options.search_budget_s / 4);
    contenders.emplace_back("milp", run_strategy("milp", problem, exact));
  }
  Pick pick =
      options.pick ? options.pick(problem, contenders) : pick_by_simulation(problem, contenders);
  Plan best = std::move(pick.plan);
  const char* search = options.search == "rl" ? "learned policy" : "local search";
  for (size_t t = 0; t < tenants; ++t) {
    for (size_t u = 0; u < best.placement[t].size(); ++u) {
      best.why[t][u] = pick.origin.starts_with("local optimum")
                           ? fmt::format(
                                 "cos: tenant candidate {} of {}, then {} ({}; busiest "
                                 "{:.3f} -> {:.3f} ms; {})",
                                 chosen[t] + 1, candidates[t].size(), search, pick.origin, phase2,
                                 phase3_ms, pick.evidence)
                           : fmt::format("cos: the {} plan won ({})", pick.origin, pick.evidence);
    }
  }
  return best;
}

}  // namespace cosched
