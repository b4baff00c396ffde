#include "cos/sched/strategy.h"

#include <chrono>
#include <map>

#include "cos/common/error.h"

namespace cosched {
namespace {
const std::map<std::string, Strategy>& strategies() {
  static const std::map<std::string, Strategy> table = {
      {"single", schedule_single}, {"model", schedule_model}, {"layer", schedule_layer},
      {"heft", schedule_heft},     {"milp", schedule_milp},   {"exhaustive", schedule_exhaustive},
      {"cos", schedule_cos}};
  return table;
}
}  // namespace

std::vector<std::string> strategy_names() {
  return {"single", "model", "layer", "heft", "cos", "milp", "exhaustive"};
}

std::vector<std::string> baseline_names() {
  return {"heft", "model", "layer", "single"};
}

Plan run_strategy(const std::string& name, const Problem& problem, const StrategyOptions& options) {
  auto it = strategies().find(name);
  if (it == strategies().end()) {
    fail("unknown strategy '{}' (known: {})", name, fmt::join(strategy_names(), ", "));
  }
  auto start = std::chrono::steady_clock::now();
  Plan plan = it->second(problem, options);
  plan.search_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  check_plan(problem, plan);
  return plan;
}

}  // namespace cosched
