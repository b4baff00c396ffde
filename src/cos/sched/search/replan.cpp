#include "cos/sched/search/replan.h"

#include <fmt/format.h>

#include <chrono>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
#include "cos/sched/search/candidates.h"
#include "cos/sched/search/contenders.h"
#include "cos/sched/search/refine.h"
#include "cos/sched/search/select.h"

namespace cosched {
namespace {

constexpr int kPriceRounds = 2;

}  // namespace

Plan replan_cos(const Problem& problem, const Placement& previous, const StrategyOptions& options,
                const ReplanOptions& replan) {
  auto start = std::chrono::steady_clock::now();
  const size_t tenants = problem.tenants.size();
  if (previous.size() != tenants)
    fail("re-plan: {} previous placements for {} tenants", previous.size(), tenants);
  const size_t K = static_cast<size_t>(std::max(1, options.max_candidates));
  std::vector<std::vector<Candidate>> candidates(tenants);
  std::vector<bool> is_new(tenants);
  std::vector<double> fixed(resource_count(problem), 0.0);
  for (size_t t = 0; t < tenants; ++t) {
    is_new[t] = previous[t].empty();
    if (is_new[t]) continue;
    if (previous[t].size() != problem.tenants[t].graph.units.size())
      fail("re-plan: tenant '{}' has a wrong unit count", problem.tenants[t].name);
    candidates[t] = {make_candidate(problem, static_cast<int>(t), previous[t])};
    for (size_t r = 0; r < fixed.size(); ++r) fixed[r] += candidates[t][0].loads[r];
  }
  // Phase 1 and 2: the new tenants' candidates under every price, the kept tenants' under
  // the congestion prices only (the last).
  std::vector<std::vector<double>> prices = exploration_prices(problem);
  prices.push_back(congestion_prices(fixed));
  std::vector<int> chosen(tenants, 0);
  for (int round = 0; round < kPriceRounds; ++round) {
    for (size_t t = 0; t < tenants; ++t) {
      // Kept tenants are lightly re-chosen: their placement, or one priced by congestion.
      if (!is_new[t] && !replan.move_kept) continue;
      auto fresh = is_new[t] ? tenant_candidates(problem, static_cast<int>(t), prices, K)
                             : tenant_candidates(problem, static_cast<int>(t), {prices.back()}, K);
      merge_candidates(candidates[t], std::move(fresh), K);
    }
    chosen = select_candidates(problem, candidates, options.search_budget_s / 8);
    prices = {congestion_prices(selection_loads(problem, candidates, chosen))};
  }
  Placement placement(tenants);
  for (size_t t = 0; t < tenants; ++t) placement[t] = candidates[t][chosen[t]].place;
  const double phase2 = compute_loads(problem, placement).busiest_ms;

  // A short phase 3 from there.
  RefineOptions refine;
  refine.budget_s = options.search_budget_s / 2;
  refine.sweeps = RefineOptions{}.sweeps * replan.sweep_share;
  if (problem.units() <= kSmallProblemUnits) refine.kicks = replan.small_problem_kicks;
  refine.start_temperature = replan.start_temperature;
  refine.seed = options.seed;
  refine.keep = 1;  // each costs a simulation
  if (!replan.move_kept) refine.movable = is_new;
  Contenders contenders;
  add_optima(problem, refine_placement(problem, std::move(placement), refine), "the current plan",
             contenders);
  if (replan.move_kept) {  // cheap, and simulated only where their load can win
    for (const char* baseline : {"heft", "layer", "model", "single"})
      contenders.emplace_back(baseline, run_strategy(baseline, problem, options));
  }
  Pick pick = pick_by_simulation(problem, contenders);
  Plan plan = std::move(pick.plan);
  const double refined = compute_loads(problem, plan.placement).busiest_ms;
  const bool refined_won = pick.origin.starts_with("local optimum");
  for (size_t t = 0; t < tenants; ++t) {
    for (size_t u = 0; u < plan.placement[t].size(); ++u) {
      std::string what = is_new[t] ? fmt::format("new tenant, candidate {} of {}", chosen[t] + 1,
                                                 candidates[t].size())
                         : plan.placement[t][u] == previous[t][u] ? "kept from the current plan"
                                                                  : "moved from the current plan";
      plan.why[t][u] =
          refined_won ? fmt::format(
                            "cos re-plan: {}, then local search ({}; busiest {:.3f} -> {:.3f} ms; "
                            "simulated {:.3f} ms)",
                            what, pick.origin, phase2, refined, pick.period_ms)
                      : fmt::format("cos re-plan: {}; the {} plan simulated best ({:.3f} ms)", what,
                                    pick.origin, pick.period_ms);
    }
  }
  plan.search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_plan(problem, plan);
  return plan;
}

}  // namespace cosched
