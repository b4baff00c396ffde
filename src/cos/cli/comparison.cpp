#include "cos/cli/comparison.h"

#include <fmt/format.h>

#include "cos/cli/table.h"
#include "cos/common/error.h"
#include "cos/sim/simulator.h"

namespace cosched::cli {

nlohmann::json compare_strategies(const Problem& problem, const StrategyOptions& options,
                                  const std::vector<std::string>& names, bool strict,
                                  std::ostream* table_out) {
  double lp = lp_bound_ms(problem);
  nlohmann::json rows = nlohmann::json::array();
  Table table({"strategy", "period ms", "req/s", "worst p99 ms", "x LP bound", "search s", "note"});
  for (const auto& name : names) {
    Plan plan;
    try {
      plan = run_strategy(name, problem, options);
    } catch (const Error& e) {
      if (strict) throw;
      table.add({name, "-", "-", "-", "-", "-", e.what()});
      continue;
    }
    SimResult result = simulate(problem, plan, workload_options(problem.workload));
    double p99 = 0;
    for (const auto& t : result.tenants) p99 = std::max(p99, t.p99_ms);
    bool slos = meets_slos(problem, result);
    nlohmann::json row = {{"name", name},
                          {"period_ms", result.period_ms},
                          {"throughput", result.weighted_throughput_per_s},
                          {"p99_ms", p99},
                          {"search_s", plan.search_s},
                          {"meets_slos", slos}};
    std::string note = slos ? "" : "misses an SLO";
    if (plan.bound_ms) {
      row["bound_ms"] = *plan.bound_ms;
      row["optimal"] = plan.optimal;
      note += fmt::format("{}bound {:.3f} ms{}", note.empty() ? "" : "; ", *plan.bound_ms,
                          plan.optimal ? " (optimal)" : "");
    }
    rows.push_back(row);
    table.add({name, fmt::format("{:.3f}", result.period_ms),
               fmt::format("{:.1f}", result.weighted_throughput_per_s), fmt::format("{:.3f}", p99),
               fmt::format("{:.3f}", result.period_ms / lp), fmt::format("{:.3f}", plan.search_s),
               note});
  }
  if (table_out) {
    *table_out << fmt::format("LP bound on the period: {:.3f} ms\n", lp);
    table.print(*table_out);
  }
  return {{"lp_bound_period_ms", lp}, {"strategies", rows}};
}

}  // namespace cosched::cli
