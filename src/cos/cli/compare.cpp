#include <fmt/format.h>

#include <sstream>

#include "cos/cli/app.h"
#include "cos/cli/problem_args.h"
#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/sched/strategy.h"
#include "cos/sim/simulator.h"

namespace cosched::cli {

void add_compare_command(CLI::App& app, Context& context) {
  struct Options {
    ProblemArgs problem;
    std::vector<std::string> strategies;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* command =
      app.add_subcommand("compare", "Run every strategy on one problem; compare with the LP bound");
  add_problem_options(command, options->problem);
  command
      ->add_option("--strategies", options->strategies,
                   "Strategies to run (default: all that apply)")
      ->delimiter(',');
  command->add_flag("--json", options->json, "Print JSON");
  command->callback([&context, options] {
    context.action = [&context, options] {
      Problem problem = build_problem(options->problem);
      StrategyOptions strategy = strategy_options(options->problem);
      double lp = lp_bound_ms(problem);
      std::vector<std::string> names =
          options->strategies.empty() ? strategy_names() : options->strategies;
      nlohmann::json rows = nlohmann::json::array();
      Table table(
          {"strategy", "period ms", "req/s", "worst p99 ms", "x LP bound", "search s", "note"});
      for (const auto& name : names) {
        Plan plan;
        try {
          plan = run_strategy(name, problem, strategy);
        } catch (const Error& e) {
          if (!options->strategies.empty()) throw;
          table.add(
              {name, "-", "-", "-", "-", "-", e.what()});  // e.g. exhaustive on a large problem
          continue;
        }
        SimResult result = simulate(problem, plan);
        double p99 = 0;
        for (const auto& t : result.tenants) p99 = std::max(p99, t.p99_ms);
        nlohmann::json row = {{"name", name},
                              {"period_ms", result.period_ms},
                              {"throughput", result.weighted_throughput_per_s},
                              {"p99_ms", p99},
                              {"search_s", plan.search_s},
                              {"meets_slos", meets_slos(problem, result)}};
        std::string note = meets_slos(problem, result) ? "" : "misses an SLO";
        if (plan.bound_ms) {
          row["bound_ms"] = *plan.bound_ms;
          row["optimal"] = plan.optimal;
          note += fmt::format("{}bound {:.3f} ms{}", note.empty() ? "" : "; ", *plan.bound_ms,
                              plan.optimal ? " (optimal)" : "");
        }
        rows.push_back(row);
        table.add({name, fmt::format("{:.3f}", result.period_ms),
                   fmt::format("{:.1f}", result.weighted_throughput_per_s),
                   fmt::format("{:.3f}", p99), fmt::format("{:.3f}", result.period_ms / lp),
                   fmt::format("{:.3f}", plan.search_s), note});
      }
      if (options->json) {
        context.out << nlohmann::json{{"lp_bound_period_ms", lp}, {"strategies", rows}}.dump(2)
                    << '\n';
        return;
      }
      context.out << fmt::format("LP bound on the period: {:.3f} ms\n", lp);
      table.print(context.out);
    };
  });
}

}  // namespace cosched::cli
