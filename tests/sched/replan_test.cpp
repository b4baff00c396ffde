#include "cos/sched/search/replan.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

namespace cosched {
namespace {

StrategyOptions quick() {
  StrategyOptions options;
  options.search_budget_s = 60;  // bounded by the moves, so plans are reproducible
  return options;
}

// The problem without its last tenant, and the full plan's placement of the others.
std::pair<Problem, Placement> without_last(const Problem& problem, const Plan& plan) {
  Problem less = problem;
  less.tenants.pop_back();
  Placement kept = plan.placement;
  kept.pop_back();
  return {std::move(less), std::move(kept)};
}

TEST(Replan, KeepsOtherTenantsWhenAsked) {
  Problem problem = generate_problem("medium", 3, 0);
  ASSERT_GE(problem.tenants.size(), 2u);
  auto [less, kept] = without_last(problem, run_strategy("cos", problem, quick()));
  Plan small = replan_cos(less, kept, quick());
  Placement previous = small.placement;
  previous.emplace_back();
  ReplanOptions fixed;
  fixed.move_kept = false;
  Plan plan = replan_cos(problem, previous, quick(), fixed);
  check_plan(problem, plan);
  for (size_t t = 0; t + 1 < problem.tenants.size(); ++t) {
    EXPECT_EQ(plan.placement[t], small.placement[t]) << problem.tenants[t].name;
    EXPECT_NE(plan.why[t][1].find("kept from the current plan"), std::string::npos)
        << plan.why[t][1];
  }
  EXPECT_NE(plan.why.back()[1].find("new tenant"), std::string::npos) << plan.why.back()[1];
}

TEST(Replan, RemoveThenAddNearsAFullSearchInLessTime) {
  for (int index = 0; index < 3; ++index) {
    Problem problem = generate_problem("small", 2, index);
    SCOPED_TRACE(problem.name);
    Plan full = run_strategy("cos", problem, quick());
    auto [less, kept] = without_last(problem, full);
    Plan removed = replan_cos(less, kept, quick());
    Placement previous = removed.placement;
    previous.emplace_back();
    Plan added = replan_cos(problem, previous, quick());
    double full_ms = simulate(problem, full).period_ms;
    EXPECT_LE(simulate(problem, added).period_ms, full_ms * 1.05);
    EXPECT_LT(added.search_s, full.search_s);
  }
}

TEST(Replan, SamePlanEveryTime) {
  Problem problem = generate_problem("small", 4, 2);
  auto [less, kept] = without_last(problem, run_strategy("heft", problem, quick()));
  Placement previous = replan_cos(less, kept, quick()).placement;
  previous.emplace_back();
  Plan a = replan_cos(problem, previous, quick()), b = replan_cos(problem, previous, quick());
  EXPECT_EQ(a.placement, b.placement);
  EXPECT_EQ(a.why, b.why);
}

TEST(Replan, WrongPreviousPlacementsAreErrors) {
  Problem problem = generate_problem("small", 4, 2);
  EXPECT_THROW(replan_cos(problem, Placement(problem.tenants.size() + 1), quick()), Error);
  Placement wrong(problem.tenants.size());
  wrong[0] = {0};  // one unit: the graph has more
  EXPECT_THROW(replan_cos(problem, wrong, quick()), Error);
}

}  // namespace
}  // namespace cosched
