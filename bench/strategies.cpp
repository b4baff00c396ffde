// Every strategy on the synthetic suites: simulated period as a ratio to the LP bound
// (median, worst), to the MILP optimum of the busiest load where CBC proves it (geometric
// mean, worst), and search time. Usage:
//   bench_strategies [--suites small,medium,large] [--seed S] [--count N] [--milp-time S]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <map>

#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"
#include "stats.h"

using namespace cosched;
using bench::geomean;
using bench::median;
using bench::worst;

namespace {

struct Figures {
  std::vector<double> ratio, search_s;
  std::vector<double> vs_optimum;  // period / proven MILP optimum of the busiest load
  int optimal = 0, failed = 0;
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Strategies on the synthetic suites: period / LP bound and search time"};
  std::vector<std::string> suites = {"small", "medium", "large"};
  uint64_t seed = 1;
  int count = 0;
  double milp_time = 10;
  app.add_option("--suites", suites, "Suites to run")->delimiter(',')->capture_default_str();
  app.add_option("--seed", seed, "Seed of the suites")->capture_default_str();
  app.add_option("--count", count, "Instances per suite (default: the suite's size)");
  app.add_option("--milp-time", milp_time, "CBC time limit per instance, seconds")
      ->capture_default_str();
  bool verbose = false;
  app.add_flag("--verbose", verbose,
               "Each instance's cos period over the proven optimum on stderr");
  CLI11_PARSE(app, argc, argv);
  try {
    StrategyOptions options;
    options.time_limit_s = milp_time;
    for (const auto& suite : suites) {
      int n = count > 0 ? count : default_suite_size(suite);
      std::map<std::string, Figures> figures;
      for (int i = 0; i < n; ++i) {
        Problem problem = generate_problem(suite, seed, i);
        double lp = lp_bound_ms(problem);
        Plan milp = run_strategy("milp", problem, options);
        for (const auto& name : strategy_names()) {
          Figures& f = figures[name];
          try {
            Plan plan = name == "milp" ? milp : run_strategy(name, problem, options);
            double period = simulate(problem, plan).period_ms;
            f.ratio.push_back(period / lp);
            if (milp.optimal) f.vs_optimum.push_back(period / *milp.bound_ms);
            if (verbose && milp.optimal && name == "cos") {
              fmt::print(stderr, "\n{}: cos x opt {:.4f} ({})\n", problem.name,
                         period / *milp.bound_ms, plan.why[0][1]);
            }
            f.search_s.push_back(plan.search_s);
            f.optimal += plan.optimal;
          } catch (const Error&) {
            ++f.failed;  // exhaustive beyond its size limit
          }
        }
        fmt::print(stderr, "\r{}: {}/{}", suite, i + 1, n);
      }
      fmt::print(stderr, "\n");
      fmt::print("suite {} (seed {}, {} instances, milp limit {} s)\n", suite, seed, n, milp_time);
      Table table({"strategy", "median x LP", "worst x LP", "geomean x opt", "worst x opt",
                   "median search s", "max search s", "note"});
      for (const auto& name : strategy_names()) {
        const Figures& f = figures[name];
        if (f.ratio.empty()) {
          table.add({name, "-", "-", "-", "-", "-", "-",
                     fmt::format("not run ({} too large)", f.failed)});
          continue;
        }
        std::string note =
            name == "milp" ? fmt::format("{}/{} proven optimal", f.optimal, f.ratio.size()) : "";
        if (f.failed) note += fmt::format("{} skipped (too large)", f.failed);
        table.add(
            {name, fmt::format("{:.3f}", median(f.ratio)),
             fmt::format("{:.3f}", *std::max_element(f.ratio.begin(), f.ratio.end())),
             f.vs_optimum.empty() ? "-" : fmt::format("{:.3f}", geomean(f.vs_optimum)),
             f.vs_optimum.empty() ? "-"
                                  : fmt::format("{:.3f}", *std::max_element(f.vs_optimum.begin(),
                                                                            f.vs_optimum.end())),
             fmt::format("{:.4f}", median(f.search_s)),
             fmt::format("{:.4f}", *std::max_element(f.search_s.begin(), f.search_s.end())), note});
      }
      table.print(std::cout);
      fmt::print("\n");
    }
  } catch (const Error& e) {
    fmt::print(stderr, "bench_strategies: {}\n", e.what());
    return 2;
  }
  return 0;
}
