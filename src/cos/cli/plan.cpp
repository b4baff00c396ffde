#include <fmt/format.h>

#include "cos/cli/app.h"
#include "cos/cli/plan_across.h"
#include "cos/cli/problem_args.h"
#include "cos/cli/replan_args.h"
#include "cos/cli/sim_report.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/runtime/measured_pick.h"
#include "cos/sched/loads.h"
#include "cos/sched/search/replan.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

namespace cosched::cli {

void add_plan_command(CLI::App& app, Context& context) {
  struct Options {
    ProblemArgs problem;
    ReplanArgs replan;
    std::string strategy = "heft";
    std::string out;
    double tune_s = 0;
    std::vector<std::string> also_platforms, also_profiles;
    bool explain = false;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* command = app.add_subcommand(
      "plan", "Place every unit of every tenant with a strategy; write plan.json");
  add_problem_options(command, options->problem);
  command
      ->add_option("--strategy", options->strategy,
                   "single, model, layer, heft, cos, milp or exhaustive")
      ->capture_default_str();
  command->add_option("--from", options->replan.from,
                      "Re-plan: start from this plan's placements (with --add/--remove; the cos "
                      "search places the new tenants)");
  command->add_option("--add", options->replan.add,
                      "Re-plan: add an ONNX model as a tenant, PATH[:w=WEIGHT][:slo=MSms]");
  command->add_option("--remove", options->replan.remove, "Re-plan: remove the tenant NAME");
  command->add_flag("--keep-others", options->replan.keep_others,
                    "Re-plan: never move the units of the tenants that stay");
  command->add_option("-o,--out", options->out, "Plan file to write")->required();
  command
      ->add_option("--tune", options->tune_s,
                   "cos: run its best simulated plans (the baselines' among them) for this "
                   "many seconds in all on this machine; another replaces the best simulated only "
                   "where it ran faster in every round, by 3% in the median")
      ->check(CLI::PositiveNumber);
  command->add_option("--also-platform", options->also_platforms,
                      "cos: plan on this platform of the same machine too (another split of its "
                      "cores) and keep whichever plan simulates best, or runs best with --tune "
                      "(repeatable)");
  command->add_option("--also-profile", options->also_profiles,
                      "The profile for each --also-platform, in their order");
  command->add_flag("--explain", options->explain, "Print where each unit went and why");
  command->add_flag("--json", options->json, "Print JSON");
  command->callback([&context, options] {
    context.action = [&context, options] {
      Problem problem;
      Plan plan;
      std::vector<Trial> trials;  // with --tune: what each plan that ran measured
      if (!options->replan.from.empty()) {
        if (options->tune_s > 0) fail("--tune picks a new cos plan: not with --from");
        auto [next, previous] = replan_problem(options->replan, options->problem);
        problem = std::move(next);
        ReplanOptions replan;
        replan.move_kept = !options->replan.keep_others;
        plan = replan_cos(problem, previous, strategy_options(options->problem), replan);
      } else {
        if (!options->replan.add.empty() || !options->replan.remove.empty() ||
            options->replan.keep_others)
          fail("--add, --remove and --keep-others re-plan a current plan: give --from PLAN");
        if (!options->also_platforms.empty() || !options->also_profiles.empty()) {
          if (options->strategy != "cos")
            fail("--also-platform: only the cos strategy chooses a platform (got --strategy {})",
                 options->strategy);
          if (!options->also_profiles.empty() &&
              options->also_profiles.size() != options->also_platforms.size())
            fail("--also-profile: {} given for {} --also-platform", options->also_profiles.size(),
                 options->also_platforms.size());
          if (!options->problem.problem.empty())
            fail("--also-platform: give --platform and --model, not --problem");
        }
        problem = build_problem(options->problem);
        StrategyOptions strategy = strategy_options(options->problem);
        MeasuredPickOptions tune;
        tune.seconds = options->tune_s;
        tune.also_run = baseline_names();
        tune.on_progress = [&](const std::string& line) { context.err << line << '\n'; };
        if (options->tune_s > 0) {
          if (options->strategy != "cos")
            fail("--tune: only the cos strategy picks by running (got --strategy {})",
                 options->strategy);
          strategy.pick = [&](const Problem& p, const Contenders& contenders) {
            return pick_by_running(p, contenders, tune, &trials);
          };
        }
        if (options->also_platforms.empty()) {
          plan = run_strategy(options->strategy, problem, strategy);
        } else {
          std::vector<Problem> problems;
          problems.push_back(std::move(problem));
          for (size_t i = 0; i < options->also_platforms.size(); ++i) {
            ProblemArgs other = options->problem;
            other.platform = options->also_platforms[i];
            other.profile = options->also_profiles.empty() ? "" : options->also_profiles[i];
            problems.push_back(build_problem(other));
          }
          strategy.pick = nullptr;
          PlatformChoice choice = plan_across_platforms(
              std::move(problems), strategy, options->tune_s > 0 ? &tune : nullptr, &trials);
          problem = std::move(choice.problem);
          plan = std::move(choice.plan);
        }
      }
      SimResult result = simulate(problem, plan, workload_options(problem.workload));
      plan.predicted = sim_json(problem, result);
      save_plan(problem, plan, options->out);
      Loads loads = compute_loads(problem, plan.placement);
      if (options->json) {
        nlohmann::json json = {{"plan", options->out},
                               {"strategy", plan.strategy},
                               {"search_s", plan.search_s},
                               {"busiest_load_ms", loads.busiest_ms},
                               {"predicted", plan.predicted}};
        if (plan.bound_ms) json["bound_ms"] = *plan.bound_ms;
        for (const Trial& trial : trials)
          json["tuned"].push_back({{"origin", trial.origin},
                                   {"predicted_mix_throughput", trial.predicted_mix_per_s},
                                   {"mix_throughput", trial.median_mix_per_s},
                                   {"runs", trial.measured_mix_per_s}});
        context.out << json.dump(2) << '\n';
        return;
      }
      context.out << fmt::format(
          "{}: strategy {} in {:.3f} s; busiest resource {} at {:.3f} ms a period\n", options->out,
          plan.strategy, plan.search_s, resource_name(problem, loads.busiest), loads.busiest_ms);
      print_sim_report(problem, result, context.out);
      if (!trials.empty()) {
        context.out << '\n';
        Table table({"plan run (--tune)", "simulated mix req/s", "measured mix req/s", "runs"});
        for (const Trial& trial : trials)
          table.add({trial.origin, fmt::format("{:.1f}", trial.predicted_mix_per_s),
                     fmt::format("{:.1f}", trial.median_mix_per_s),
                     fmt::format("{:.1f}", fmt::join(trial.measured_mix_per_s, " "))});
        table.print(context.out);
      }
      if (!options->explain) return;
      context.out << '\n';
      Table table({"tenant", "unit", "op", "processor", "why"});
      for (size_t t = 0; t < problem.tenants.size(); ++t) {
        const auto& units = problem.tenants[t].graph.units;
        for (size_t u = 0; u < units.size(); ++u) {
          table.add({problem.tenants[t].name, units[u].name, units[u].op,
                     problem.platform.processors[plan.placement[t][u]].id, plan.why[t][u]});
        }
      }
      table.print(context.out);
    };
  });
}

}  // namespace cosched::cli
