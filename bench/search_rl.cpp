// The learned search (--search rl) against the local search as phase 3 of the cos
// search, on the synthetic suites and several seeds: simulated period over the LP bound,
// the ratio rl / local per instance, and search time; and the two searches alone from
// the same start (HEFT's placement): busiest load of the best placement each finds. Usage:
//   bench_search_rl [--suites tiny,small,medium] [--seeds 1,2,3] [--count N]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>

#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/loads.h"
#include "cos/sched/search/policy.h"
#include "cos/sched/search/refine.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"
#include "stats.h"

using namespace cosched;
using bench::geomean;
using bench::median;
using bench::worst;

int main(int argc, char** argv) {
  CLI::App app{"cos phase 3: learned policy (rl) against local search on the suites"};
  std::vector<std::string> suites = {"tiny", "small", "medium"};
  std::vector<uint64_t> seeds = {1, 2, 3};
  int count = 12;
  app.add_option("--suites", suites, "Suites to run")->delimiter(',')->capture_default_str();
  app.add_option("--seeds", seeds, "Seeds (of the suites and the searches)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--count", count, "Instances per suite and seed (0: the suite's size)")
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    Table table({"suite", "seed", "n", "local x LP", "rl x LP", "rl / local geomean",
                 "rl / local worst", "rl better", "rl worse", "local s", "rl s",
                 "alone: rl / local load", "worst"});
    for (const auto& suite : suites) {
      for (uint64_t seed : seeds) {
        int n = count > 0 ? std::min(count, default_suite_size(suite)) : default_suite_size(suite);
        std::vector<double> local_lp, rl_lp, ratio, local_s, rl_s, alone;
        int better = 0, worse = 0;
        for (int i = 0; i < n; ++i) {
          Problem problem = generate_problem(suite, seed, i);
          double lp = lp_bound_ms(problem);
          StrategyOptions options;
          options.search_budget_s = 60;  // work bounded by sweeps and episodes
          options.seed = seed;
          Plan local = run_strategy("cos", problem, options);
          options.search = "rl";
          Plan rl = run_strategy("cos", problem, options);
          double a = simulate(problem, local).period_ms, b = simulate(problem, rl).period_ms;
          local_lp.push_back(a / lp);
          rl_lp.push_back(b / lp);
          ratio.push_back(b / a);
          better += b < a * (1 - 1e-6);
          worse += b > a * (1 + 1e-6);
          local_s.push_back(local.search_s);
          // The searches alone, from the same start, with the same seed.
          Placement start = run_strategy("heft", problem, options).placement;
          RefineOptions refine;
          refine.budget_s = 60;
          refine.seed = seed;
          PolicyOptions policy;
          policy.budget_s = 60;
          policy.seed = seed;
          alone.push_back(
              compute_loads(problem, policy_placement(problem, start, policy).front()).busiest_ms /
              compute_loads(problem, refine_placement(problem, start, refine).front()).busiest_ms);
          rl_s.push_back(rl.search_s);
          fmt::print(stderr, "\r{} seed {}: {}/{}", suite, seed, i + 1, n);
        }
        fmt::print(stderr, "\n");
        table.add({suite, std::to_string(seed), std::to_string(n),
                   fmt::format("{:.4f}", median(local_lp)), fmt::format("{:.4f}", median(rl_lp)),
                   fmt::format("{:.4f}", geomean(ratio)), fmt::format("{:.4f}", worst(ratio)),
                   std::to_string(better), std::to_string(worse),
                   fmt::format("{:.3f}", median(local_s)), fmt::format("{:.3f}", median(rl_s)),
                   fmt::format("{:.4f}", geomean(alone)), fmt::format("{:.4f}", worst(alone))});
      }
    }
    table.print(std::cout);
  } catch (const Error& e) {
    fmt::print(stderr, "bench_search_rl: {}\n", e.what());
    return 2;
  }
  return 0;
}
