#include "cos/cli/plan_across.h"

#include <fmt/format.h>

#include "cos/sched/search/contenders.h"

namespace cosched::cli {
namespace {

std::string platform_label(const Problem& problem) {
  std::vector<std::string> ids;
  for (const Processor& p : problem.platform.processors) ids.push_back(p.id);
  return fmt::format("{}", fmt::join(ids, " + "));
}

}  // namespace

PlatformChoice plan_across_platforms(std::vector<Problem> problems, const StrategyOptions& strategy,
                                     const MeasuredPickOptions* tune, std::vector<Trial>* trials) {
  std::vector<PlatformContenders> sets(problems.size());
  std::vector<Ranked> simulated(problems.size());  // each platform's pick, as simulated
  std::vector<Plan> plans;
  for (size_t i = 0; i < problems.size(); ++i) {
    StrategyOptions options = strategy;
    options.pick = [&, i](const Problem& problem, const Contenders& contenders) {
      sets[i] = {&problems[i], contenders, platform_label(problems[i])};
      Pick pick = pick_by_simulation(problem, contenders);
      simulated[i].period_ms = pick.period_ms;
      simulated[i].meets_slos = pick.meets_slos;
      return pick;
    };
    plans.push_back(run_strategy("cos", problems[i], options));
  }
  size_t chosen = 0;
  if (tune) {
    auto [set, pick] = pick_by_running_across(sets, *tune, trials);
    chosen = set;
    Plan& plan = plans[set];
    if (pick.plan.placement != plan.placement || pick.plan.rank != plan.rank) {
      plan.placement = std::move(pick.plan.placement);
      plan.rank = std::move(pick.plan.rank);
      for (auto& tenant : plan.why)
        for (auto& why : tenant)
          why = fmt::format("cos: the {} plan won ({})", pick.origin, pick.evidence);
    }
  } else {
    for (size_t i = 1; i < problems.size(); ++i)
      if (ranks_before(simulated[i], simulated[chosen])) chosen = i;
  }
  return {std::move(problems[chosen]), std::move(plans[chosen])};
}

}  // namespace cosched::cli
