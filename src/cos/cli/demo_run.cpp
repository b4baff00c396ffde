// The measured half of `cos demo`: this machine's cores as two processors, the built-in
// models profiled there, every strategy's plan simulated and then run for real.
#include "cos/cli/demo_run.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>

#include "cos/cli/problem_args.h"
#include "cos/cli/table.h"
#include "cos/common/percentile.h"
#include "cos/exec/cpu/core_set.h"
#include "cos/profile/detect.h"
#include "cos/profile/profiler.h"
#include "cos/runtime/measured_pick.h"
#include "cos/runtime/runtime.h"
#include "cos/sched/strategy.h"
#include "cos/sim/trace.h"

namespace cosched::cli {

void run_on_this_machine(const std::string& dir, const std::vector<std::string>& models,
                         double seconds, std::ostream& out, std::ostream& err) {
  DetectOptions detect;
  const int cores = CoreSet::all().threads();
  if (cores >= 2) detect.split = {cores / 2, cores - cores / 2};
  Platform platform = detect_platform(detect);
  const std::string platform_path = dir + "/platform.json";
  std::ofstream(platform_path) << to_json(platform).dump(2) << '\n';

  ProfileOptions profiling;
  profiling.concurrency = false;
  profiling.progress = &err;
  const Profile profile = profile_models(platform, load_models_to_profile(models, {}), profiling);
  const std::string profile_path = dir + "/profile.json";
  save_profile(profile, profile_path);

  ProblemArgs args;
  args.platform = platform_path;
  args.profile = profile_path;
  args.models = models;
  const Problem problem = build_problem(args);
  std::vector<std::string> ids;
  for (const auto& p : problem.platform.processors) ids.push_back(p.id);
  out << fmt::format(
      "\nThis machine as {} (profiled in {:.1f} s): every strategy's plan simulated, then run "
      "for {:.0f} s three times, the plans taking turns (medians; saturate: weighted rounds in "
      "flight, as the simulator measures the period)\n",
      fmt::join(ids, " + "), profile.seconds, seconds);

  StrategyOptions options;
  options.time_limit_s = 5;
  options.search_budget_s = 1;
  constexpr int kRounds = 3;  // every plan runs this many times, the plans taking turns
  const std::vector<std::string> strategies = {"single", "model", "layer", "heft", "cos"};
  std::vector<Plan> plans;
  std::vector<SimResult> predicted;
  std::vector<RunOptions> runs;
  for (const std::string& strategy : strategies) {
    plans.push_back(run_strategy(strategy, problem, options));
    RunOptions run;
    run.duration_s = seconds;
    run.warmup_s = std::min(0.5, seconds / 4);
    SimOptions sim;
    sim.record_spans = strategy == "cos";
    match_window(run, sim);
    predicted.push_back(simulate(problem, plans.back(), sim));
    apply_workload(sim, predicted.back().inflight, run);
    runs.push_back(run);
  }
  std::vector<std::vector<RunResult>> measured(strategies.size());
  in_turns(strategies.size(), kRounds, [&](int round, size_t i) {
    err << fmt::format("round {}/{}: running the {} plan...\n", round + 1, kRounds, strategies[i]);
    // Untraced, so that every strategy's figure pays the same per-unit cost.
    measured[i].push_back(run_plan(problem, plans[i], runs[i]));
  });
  Table table({"strategy", "predicted req/s", "measured req/s", "diff", "worst tenant diff",
               "work vs profiled"});
  for (size_t i = 0; i < strategies.size(); ++i) {
    // Medians over the rounds.
    auto median_of = [&](auto figure) {
      std::vector<double> values;
      for (const RunResult& r : measured[i]) values.push_back(figure(r));
      return median(values);
    };
    const double mix = median_of([](const RunResult& r) { return r.weighted_throughput_per_s; });
    double worst = 0;
    for (size_t t = 0; t < predicted[i].tenants.size(); ++t) {
      const double diff = median_of([&](const RunResult& r) {
                            return r.tenants[t].throughput_per_s;
                          }) / predicted[i].tenants[t].throughput_per_s -
                          1;
      if (std::abs(diff) > std::abs(worst)) worst = diff;
    }
    // How long each processor's work took against its profile: where it is not about 1, the
    // machine's speed moved since profiling, and the prediction with it.
    std::vector<std::string> work;
    for (size_t p = 0; p < measured[i][0].work_vs_profiled.size(); ++p) {
      const double ratio = median_of([&](const RunResult& r) { return r.work_vs_profiled[p]; });
      if (ratio > 0)
        work.push_back(fmt::format("{} {:.2f}x", problem.platform.processors[p].id, ratio));
    }
    const double expected = summed_throughput(predicted[i]);
    table.add({strategies[i], fmt::format("{:.1f}", expected), fmt::format("{:.1f}", mix),
               fmt::format("{:+.1f}%", 100 * (mix / expected - 1)),
               fmt::format("{:+.1f}%", 100 * worst), fmt::format("{}", fmt::join(work, ", "))});
  }
  const size_t cos = strategies.size() - 1;
  save_plan(problem, plans[cos], dir + "/cos-plan.json");
  write_gantt(problem, predicted[cos], dir + "/cos-predicted.svg");
  write_trace(problem, predicted[cos], dir + "/cos-predicted-trace.json");
  err << "tracing the cos plan for a second...\n";
  RunOptions traced_run = runs[cos];
  traced_run.duration_s = std::min(1.0, seconds);
  traced_run.record_spans = true;
  SimResult traced;
  traced.spans = run_plan(problem, plans[cos], traced_run).spans;
  write_trace(problem, traced, dir + "/cos-measured-trace.json");
  table.print(out);
  out << fmt::format(
      "\nWritten to {0}/: platform.json, profile.json, cos-plan.json, cos-predicted.svg (one "
      "period), cos-predicted-trace.json and cos-measured-trace.json (open both in "
      "ui.perfetto.dev).\n",
      dir);
}

}  // namespace cosched::cli
