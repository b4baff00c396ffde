#include <fmt/format.h>

#include <algorithm>

#include "cos/sched/loads.h"
#include "cos/sched/search/candidates.h"
#include "cos/sched/search/refine.h"
#include "cos/sched/search/select.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

namespace cosched {
namespace {

constexpr int kPriceRounds = 3;

// Prices that make the busiest resources of the current selection expensive.
std::vector<double> congestion_prices(const std::vector<double>& loads) {
  double busiest = *std::max_element(loads.begin(), loads.end());
  std::vector<double> price(loads.size());
  for (size_t r = 0; r < loads.size(); ++r) {
    double share = busiest > 0 ? loads[r] / busiest : 0;
    price[r] = 0.05 + share * share * share * share;
  }
  return price;
}

std::vector<double> total_loads(const Problem& problem,
                                const std::vector<std::vector<Candidate>>& candidates,
                                const std::vector<int>& chosen) {
  std::vector<double> total(resource_count(problem), 0.0);
  for (size_t t = 0; t < candidates.size(); ++t) {
    for (size_t r = 0; r < total.size(); ++r) total[r] += candidates[t][chosen[t]].loads[r];
  }
  return total;
}

}  // namespace

// The cos search: per-tenant candidates by dynamic programming over stages (phase 1),
// the joint choice that least loads the busiest resource (phase 2, repeated with prices
// from the congestion it finds), local search unit by unit and stage by stage (phase 3),
// then the simulator picks the best of the refined plan and the baselines' plans it
// started from.
Plan schedule_cos(const Problem& problem, const StrategyOptions& options) {
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
    prices = {congestion_prices(total_loads(problem, candidates, chosen))};
  }
  Placement placement(tenants);
  for (size_t t = 0; t < tenants; ++t) placement[t] = candidates[t][chosen[t]].place;
  double phase2 = compute_loads(problem, placement).busiest_ms;
  // Phase 3 starts from the phase 2 choice; on large problems also from HEFT's placement,
  // which there is the better start (half the kicks and time each).
  constexpr size_t kLargeUnits = 1000;
  size_t units = 0;
  for (const auto& tenant : problem.tenants) units += tenant.graph.units.size();
  const bool two_starts = units > kLargeUnits;
  Plan heft = run_strategy("heft", problem, options);
  RefineOptions refine;
  refine.budget_s = options.search_budget_s / (two_starts ? 4 : 2);
  refine.kicks = RefineOptions{}.kicks / (two_starts ? 2 : 1);
  refine.seed = options.seed;
  std::vector<Placement> refined = refine_placement(problem, std::move(placement), refine);
  double phase3 = compute_loads(problem, refined.front()).busiest_ms;
  std::vector<Placement> from_heft;
  if (two_starts) from_heft = refine_placement(problem, heft.placement, refine);

  // The simulator has the last word: the refined optima and the baselines' plans.
  std::vector<std::pair<std::string, Plan>> contenders;
  auto add_optima = [&](std::vector<Placement>& optima, const std::string& start) {
    for (size_t i = 0; i < optima.size(); ++i) {
      Plan plan = empty_plan(problem, "cos");
      plan.placement = std::move(optima[i]);
      contenders.emplace_back(fmt::format("local optimum {} from {}", i + 1, start),
                              std::move(plan));
    }
  };
  add_optima(refined, "phase 2");
  add_optima(from_heft, "heft");
  contenders.emplace_back("heft", std::move(heft));
  for (const char* baseline : {"model", "layer", "single"}) {
    contenders.emplace_back(baseline, run_strategy(baseline, problem, options));
  }
  Plan best = empty_plan(problem, "cos");
  std::string chosen_from;
  double best_period = kUnsupported;
  bool best_meets = false;
  for (auto& [origin, plan] : contenders) {
    SimResult r = simulate(problem, plan);
    bool meets = meets_slos(problem, r);
    if ((meets && !best_meets) || (meets == best_meets && r.period_ms < best_period * (1 - 1e-9))) {
      best.placement = plan.placement;
      best.rank = plan.rank;
      best_period = r.period_ms;
      best_meets = meets;
      chosen_from = origin;
    }
  }
  for (size_t t = 0; t < tenants; ++t) {
    for (size_t u = 0; u < best.placement[t].size(); ++u) {
      best.why[t][u] =
          chosen_from.starts_with("local optimum")
              ? fmt::format(
                    "cos: tenant candidate {} of {}, then local search ({}; busiest "
                    "{:.3f} -> {:.3f} ms; simulated {:.3f} ms)",
                    chosen[t] + 1, candidates[t].size(), chosen_from, phase2, phase3, best_period)
              : fmt::format("cos: the {} plan simulated best ({:.3f} ms)", chosen_from,
                            best_period);
    }
  }
  return best;
}

}  // namespace cosched
