// How the cos search time grows with problem size (100 to 10,000 units), against HEFT
// and the LP bound. Usage: bench_cos_scaling [--sizes 100,300,...] [--seed S]
#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cos/cli/table.h"
#include "cos/sched/generate.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

using namespace cosched;

int main(int argc, char** argv) {
  CLI::App app{"cos search time against problem size"};
  std::vector<int> sizes = {100, 300, 1000, 3000, 10000};
  uint64_t seed = 1;
  app.add_option("--sizes", sizes, "Total units per problem")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--seed", seed, "Seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  Table table({"units", "tenants", "cos search s", "cos x LP", "heft x LP", "heft search s"});
  for (int size : sizes) {
    Problem problem = generate_sized(size, seed);
    size_t units = 0;
    for (const auto& tenant : problem.tenants) units += tenant.graph.units.size();
    double lp = lp_bound_ms(problem);
    Plan cos = run_strategy("cos", problem, {});
    Plan heft = run_strategy("heft", problem, {});
    table.add({std::to_string(units), std::to_string(problem.tenants.size()),
               fmt::format("{:.3f}", cos.search_s),
               fmt::format("{:.3f}", simulate(problem, cos).period_ms / lp),
               fmt::format("{:.3f}", simulate(problem, heft).period_ms / lp),
               fmt::format("{:.3f}", heft.search_s)});
    fmt::print(stderr, "{} units done\n", units);
  }
  table.print(std::cout);
  return 0;
}
