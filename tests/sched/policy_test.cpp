#include "cos/sched/search/policy.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/loads.h"
#include "cos/sched/strategy.h"
#include "support/sched_support.h"

namespace cosched {
namespace {

PolicyOptions reproducible(uint64_t seed) {
  PolicyOptions options;
  options.budget_s = 600;  // bounded by the episodes
  options.episodes = 400;
  options.seed = seed;
  return options;
}

Placement on_processor(const Problem& problem, int processor) {
  Placement placement;
  for (const auto& tenant : problem.tenants) {
    placement.emplace_back();
    for (const Unit& unit : tenant.graph.units)
      placement.back().push_back(unit.runs_on(processor) ? processor : 0);
  }
  return placement;
}

TEST(Policy, SameSeedSamePlacements) {
  Problem problem = generate_problem("small", 2, 1);
  Placement start = run_strategy("heft", problem, {}).placement;
  auto a = policy_placement(problem, start, reproducible(5));
  auto b = policy_placement(problem, start, reproducible(5));
  EXPECT_EQ(a, b);
  ASSERT_FALSE(a.empty());
  for (size_t i = 1; i < a.size(); ++i) {
    EXPECT_LE(compute_loads(problem, a[i - 1]).busiest_ms,
              compute_loads(problem, a[i]).busiest_ms * (1 + 1e-9));
  }
}

TEST(Policy, LearnsToSplitTenantsAcrossProcessors) {
  // From everything on the CPU, the policy learns to send work to the GPU.
  Problem problem = test::conv_and_depthwise_problem();
  Placement start = on_processor(problem, 0);
  double before = compute_loads(problem, start).busiest_ms;
  auto found = policy_placement(problem, start, reproducible(1));
  double after = compute_loads(problem, found.front()).busiest_ms;
  EXPECT_LT(after, before * 0.5);
  Plan milp = run_strategy("milp", problem, {});
  EXPECT_LE(after, *milp.bound_ms * 1.05);
}

TEST(Policy, CosWithRlSearchIsValidAndReproducible) {
  Problem problem = generate_problem("small", 3, 0);
  StrategyOptions options;
  options.search = "rl";
  options.search_budget_s = 600;
  Plan a = run_strategy("cos", problem, options), b = run_strategy("cos", problem, options);
  EXPECT_EQ(a.placement, b.placement);
  options.search = "annealing";
  EXPECT_THROW(run_strategy("cos", problem, options), Error);
}

}  // namespace
}  // namespace cosched
