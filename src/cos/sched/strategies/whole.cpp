#include "cos/sched/strategies/whole.h"

#include <algorithm>

namespace cosched {

int fastest_processor(const Unit& unit) {
  return static_cast<int>(std::min_element(unit.cost_ms.begin(), unit.cost_ms.end()) -
                          unit.cost_ms.begin());
}

std::vector<int> place_whole(const Problem& problem, int tenant, int processor) {
  const auto& units = problem.tenants[tenant].graph.units;
  std::vector<int> place(units.size());
  for (size_t u = 0; u < units.size(); ++u) {
    place[u] = units[u].runs_on(processor) ? processor : fastest_processor(units[u]);
  }
  return place;
}

}  // namespace cosched
