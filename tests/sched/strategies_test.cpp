#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/loads.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"
#include "support/sched_support.h"

namespace cosched {
namespace {

StrategyOptions quick() {
  StrategyOptions options;
  options.time_limit_s = 20;
  options.search_budget_s = 60;  // the cos search's work is bounded by its moves, not the clock
  return options;
}

// Least busiest-resource load over every placement, by enumeration.
double brute_force_bound(const Problem& problem) {
  Placement placement;
  std::vector<std::pair<int, int>> free;
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    placement.emplace_back();
    for (size_t u = 0; u < problem.tenants[t].graph.units.size(); ++u) {
      placement[t].push_back(0);
      free.emplace_back(static_cast<int>(t), static_cast<int>(u));
    }
  }
  double best = kUnsupported;
  const int P = static_cast<int>(problem.processors());
  while (true) {
    bool valid = true;
    for (auto [t, u] : free)
      valid = valid && problem.tenants[t].graph.units[u].runs_on(placement[t][u]);
    if (valid) best = std::min(best, compute_loads(problem, placement).busiest_ms);
    size_t i = 0;
    while (i < free.size() && ++placement[free[i].first][free[i].second] == P)
      placement[free[i++].first][free[i - 1].second] = 0;
    if (i == free.size()) break;
  }
  return best;
}

TEST(Strategies, BoundsOrderOnSmallSuite) {
  for (int index = 0; index < 12; ++index) {
    Problem problem = generate_problem("small", 1, index);
    SCOPED_TRACE(problem.name);
    double lp = lp_bound_ms(problem);
    Plan milp = run_strategy("milp", problem, quick());
    ASSERT_TRUE(milp.bound_ms.has_value());
    EXPECT_TRUE(milp.optimal);
    EXPECT_LE(lp, *milp.bound_ms * (1 + 1e-6));
    for (const std::string& name : {"single", "model", "layer", "heft", "milp"}) {
      Plan plan = name == "milp" ? milp : run_strategy(name, problem, quick());
      double period = simulate(problem, plan).period_ms;
      double load = compute_loads(problem, plan.placement).busiest_ms;
      EXPECT_LE(*milp.bound_ms, load * (1 + 1e-6)) << name;
      // The simulated period never beats the plan's own busiest resource (up to the
      // rounding of a finite measurement window).
      EXPECT_LE(load, period * (1 + 1e-3)) << name;
    }
  }
}

TEST(Strategies, MilpMatchesEnumerationAndExhaustive) {
  int compared = 0;
  for (int index = 0; index < 10; ++index) {
    Problem problem = generate_problem("tiny", 3, index);
    SCOPED_TRACE(problem.name);
    size_t units = 0;
    for (const auto& t : problem.tenants) units += t.graph.units.size();
    if (units > 13) continue;
    Plan milp = run_strategy("milp", problem, quick());
    EXPECT_NEAR(*milp.bound_ms, brute_force_bound(problem), 1e-6 * *milp.bound_ms);
    Plan exhaustive = run_strategy("exhaustive", problem, quick());
    EXPECT_TRUE(exhaustive.optimal);
    double best = simulate(problem, exhaustive).period_ms;
    // Exhaustive is optimal for the simulated period: no strategy does better.
    for (const std::string& name : {"single", "model", "layer", "heft", "milp"}) {
      EXPECT_LE(best,
                simulate(problem, run_strategy(name, problem, quick())).period_ms * (1 + 1e-9))
          << name;
    }
    EXPECT_LE(*milp.bound_ms, best * (1 + 1e-6));
    ++compared;
  }
  EXPECT_GE(compared, 5);
}

TEST(Strategies, SamePlanEveryTime) {
  Problem problem = generate_problem("medium", 5, 1);
  for (const std::string& name : {"single", "model", "layer", "heft", "cos"}) {
    Plan a = run_strategy(name, problem, quick()), b = run_strategy(name, problem, quick());
    a.search_s = b.search_s = 0;
    EXPECT_EQ(to_json(problem, a).dump(), to_json(problem, b).dump()) << name;
  }
}

TEST(Strategies, OperatorLevelBeatsModelLevelWhenTenantsDiffer) {
  Problem problem = test::conv_and_depthwise_problem();
  Plan single = run_strategy("single", problem, quick());
  Plan milp = run_strategy("milp", problem, quick());
  EXPECT_LT(compute_loads(problem, milp.placement).busiest_ms,
            compute_loads(problem, single.placement).busiest_ms);
  EXPECT_EQ(milp.placement[0][1], 1);  // conv on the GPU
}

TEST(Strategies, CosBeatsBaselinesAndNearsTheOptimum) {
  for (int index = 0; index < 8; ++index) {
    Problem problem = generate_problem("small", 7, index);
    SCOPED_TRACE(problem.name);
    Plan cos = run_strategy("cos", problem, quick());
    double period = simulate(problem, cos).period_ms;
    for (const std::string& name : {"single", "model", "layer", "heft"}) {
      EXPECT_LE(period,
                simulate(problem, run_strategy(name, problem, quick())).period_ms * (1 + 1e-9))
          << name;
    }
    Plan milp = run_strategy("milp", problem, quick());
    if (milp.optimal) EXPECT_LE(period, *milp.bound_ms * 1.10);
  }
}

TEST(Strategies, CosPicksForTheProblemsWorkload) {
  // Planned for a closed loop, cos compares its plans (baselines' among them) by simulating
  // that loop, where the busiest load no longer orders them.
  for (int index = 0; index < 6; ++index) {
    Problem problem = generate_problem("small", 3, index);
    problem.workload.kind = "closed";
    problem.workload.clients = 2;
    SCOPED_TRACE(problem.name);
    const SimOptions closed = workload_options(problem.workload);
    ASSERT_EQ(closed.mode, "closed");
    ASSERT_EQ(closed.clients, 2);
    const double period =
        simulate(problem, run_strategy("cos", problem, quick()), closed).period_ms;
    for (const std::string& name : {"single", "model", "layer", "heft"})
      EXPECT_LE(period, simulate(problem, run_strategy(name, problem, quick()), closed).period_ms *
                            (1 + 1e-9))
          << name;
  }
}

TEST(Strategies, CosNearsTheOptimumWhereLocalSearchStalls) {
  // The optimum moves six units among three processors at once; local moves did not find it
  // (3.7% above the bound), the MILP contender of small problems does.
  Problem problem = generate_problem("small", 1, 17);
  Plan milp = run_strategy("milp", problem, quick());
  ASSERT_TRUE(milp.optimal);
  EXPECT_LE(simulate(problem, run_strategy("cos", problem, quick())).period_ms,
            *milp.bound_ms * 1.03);
}

TEST(Strategies, LayerRespectsSegmentLimit) {
  Problem problem = generate_problem("medium", 2, 2);
  StrategyOptions options = quick();
  options.max_segments = 1;
  Plan plan = run_strategy("layer", problem, options);
  // One segment per model: every unit that can run there is on the same processor.
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    int processor = plan.placement[t][1];
    for (size_t u = 1; u + 1 < plan.placement[t].size(); ++u) {
      if (problem.tenants[t].graph.units[u].runs_on(processor))
        EXPECT_EQ(plan.placement[t][u], processor);
    }
  }
}

TEST(Strategies, UnknownNameAndTooLargeExhaustive) {
  Problem problem = generate_problem("medium", 1, 0);
  EXPECT_THROW(run_strategy("magic", problem, quick()), Error);
  EXPECT_THROW(run_strategy("exhaustive", problem, quick()), Error);
}

}  // namespace
}  // namespace cosched
