// Re-planning against a full search. On each instance (suite instances and zoo mixes):
// a full cos search; remove one tenant and re-plan from that plan (--remove); add it back
// and re-plan from the smaller plan (--add). Each re-plan is compared with a full cos
// search of the same problem: time ratio (re-plan / full) and quality ratio (simulated
// period, re-plan / full). Usage:
//   bench_replan [--suites small,medium] [--count N] [--zoo-mixes N] [--seed S]
//                [--sweep-share F]
#include "cos/sched/search/replan.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "cos/cli/problem_args.h"
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

bool verbose = false;
ReplanOptions replan_options;  // --sweep-share

struct Ratios {
  std::vector<double> time, quality, full_s, replan_s;
};

struct Group {
  Ratios remove, add, add_fixed;  // add_fixed: the kept tenants' units never move
};

Plan compare(const Problem& problem, const Placement& previous, const Plan& full,
             const StrategyOptions& options, const ReplanOptions& replan, Ratios& into) {
  Plan plan = replan_cos(problem, previous, options, replan);
  into.time.push_back(plan.search_s / full.search_s);
  into.quality.push_back(simulate(problem, plan).period_ms / simulate(problem, full).period_ms);
  into.full_s.push_back(full.search_s);
  into.replan_s.push_back(plan.search_s);
  if (verbose) {
    std::vector<std::string> names;
    for (const auto& tenant : problem.tenants) names.push_back(tenant.name);
    fmt::print(stderr, "\n{}: time x {:.3f}, period x {:.4f}\n  full: {}\n  re-plan: {}\n",
               fmt::join(names, ", "), into.time.back(), into.quality.back(), full.why[0][1],
               plan.why[0][1]);
  }
  return plan;
}

// Full search of `problem`; re-plan after removing tenant k; re-plan after adding it back.
void run_instance(const Problem& problem, int k, const StrategyOptions& options, Group& group) {
  Plan full = run_strategy("cos", problem, options);
  Problem less = problem;
  less.tenants.erase(less.tenants.begin() + k);
  Placement kept = full.placement;
  kept.erase(kept.begin() + k);
  Plan full_less = run_strategy("cos", less, options);
  Plan removed = compare(less, kept, full_less, options, replan_options, group.remove);
  // Added back at the end, as `cos plan --add` does.
  Problem again = less;
  again.tenants.push_back(problem.tenants[k]);
  Placement previous = removed.placement;
  previous.emplace_back();
  Plan full_again = run_strategy("cos", again, options);
  compare(again, previous, full_again, options, replan_options, group.add);
  ReplanOptions fixed = replan_options;
  fixed.move_kept = false;
  compare(again, previous, full_again, options, fixed, group.add_fixed);
}

void add_rows(Table& table, const std::string& name, int instances, const Group& group) {
  for (const auto& [what, r] : {std::pair<const char*, const Ratios&>{"remove", group.remove},
                                {"add", group.add},
                                {"add, others fixed", group.add_fixed}}) {
    table.add({name, std::to_string(instances), what, fmt::format("{:.4f}", geomean(r.full_s)),
               fmt::format("{:.4f}", geomean(r.replan_s)), fmt::format("{:.3f}", geomean(r.time)),
               fmt::format("{:.3f}", worst(r.time)), fmt::format("{:.4f}", geomean(r.quality)),
               fmt::format("{:.4f}", worst(r.quality))});
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Re-planning (add or remove a tenant) against a full cos search"};
  std::vector<std::string> suites = {"small", "medium"};
  uint64_t seed = 1;
  int count = 0, mixes = 6;
  std::string models = "models";
  std::vector<std::string> platforms = {"examples/platforms/cpu2.json",
                                        "examples/platforms/cpu_gpu.json"};
  app.add_option("--suites", suites, "Suites to run")->delimiter(',')->capture_default_str();
  app.add_option("--seed", seed, "Seed of the suites and mixes")->capture_default_str();
  app.add_option("--count", count, "Instances per suite (default: the suite's size)");
  app.add_option("--zoo-mixes", mixes, "Zoo mixes of four tenants per platform (0: none)")
      ->capture_default_str();
  app.add_option("--models", models, "Folder of the zoo models")->capture_default_str();
  app.add_option("--platforms", platforms, "Platforms of the zoo mixes")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--sweep-share", replan_options.sweep_share,
                 "Re-plan annealing sweeps as a share of a full search's")
      ->capture_default_str();
  app.add_flag("--verbose", verbose, "Each re-plan's figures and reasons on stderr");
  CLI11_PARSE(app, argc, argv);
  try {
    StrategyOptions options;
    options.search_budget_s = 60;  // the sweeps bound the work, not the clock
    Table table({"instances", "n", "change", "full s", "re-plan s", "time x full", "worst time x",
                 "period x full", "worst period x"});
    for (const auto& suite : suites) {
      int n = count > 0 ? count : default_suite_size(suite);
      Group group;
      int used = 0;
      for (int i = 0; i < n; ++i) {
        Problem problem = generate_problem(suite, seed, i);
        if (problem.tenants.size() < 2) continue;
        run_instance(problem, i % static_cast<int>(problem.tenants.size()), options, group);
        ++used;
        fmt::print(stderr, "\r{}: {}/{}", suite, i + 1, n);
      }
      fmt::print(stderr, "\n");
      add_rows(table, fmt::format("suite {} (seed {})", suite, seed), used, group);
    }
    const std::vector<std::string> zoo = {"resnet18",  "mobilenet_v2",    "squeezenet1_1",
                                          "googlenet", "efficientnet_b0", "shufflenet_v2_x1_0",
                                          "vit_b_16"};
    for (const auto& platform : platforms) {
      if (mixes <= 0) break;
      Group group;
      std::mt19937_64 rng(seed);
      for (int m = 0; m < mixes; ++m) {
        cli::ProblemArgs args;
        args.platform = platform;
        for (int i = 0; i < 4; ++i)
          args.models.push_back(fmt::format("{}/{}.onnx", models, zoo[rng() % zoo.size()]));
        Problem problem = cli::build_problem(args);
        run_instance(problem, m % 4, options, group);
        fmt::print(stderr, "\rzoo on {}: {}/{}", platform, m + 1, mixes);
      }
      fmt::print(stderr, "\n");
      add_rows(table, fmt::format("zoo x4 on {}", platform), mixes, group);
    }
    table.print(std::cout);
  } catch (const Error& e) {
    fmt::print(stderr, "bench_replan: {}\n", e.what());
    return 2;
  }
  return 0;
}
