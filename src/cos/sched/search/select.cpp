#include "cos/sched/search/select.h"

#include "cos/sched/loads.h"
#include "cos/sched/mip.h"

namespace cosched {

std::vector<int> select_candidates(const Problem& problem,
                                   const std::vector<std::vector<Candidate>>& candidates,
                                   double time_limit_s) {
  Mip mip;
  int period = mip.add_column(0, Mip::kInfinity, 1, false);
  const size_t R = resource_count(problem);
  std::vector<std::vector<std::pair<int, double>>> terms(R);
  std::vector<std::vector<int>> column(candidates.size());
  std::vector<int> start_columns;
  for (size_t t = 0; t < candidates.size(); ++t) {
    const auto& slo = problem.tenants[t].slo_ms;
    bool any_meets = false;
    for (const auto& c : candidates[t]) any_meets = any_meets || !slo || c.latency_ms <= *slo;
    std::vector<int> choice;
    for (const auto& c : candidates[t]) {
      bool allowed = !any_meets || !slo || c.latency_ms <= *slo;
      int y = mip.add_column(0, allowed ? 1 : 0, 0, true);
      column[t].push_back(y);
      choice.push_back(y);
      for (size_t r = 0; r < R; ++r) {
        if (c.loads[r] != 0) terms[r].emplace_back(y, c.loads[r]);
      }
    }
    mip.add_row(choice, std::vector<double>(choice.size(), 1.0), 'E', 1.0);
    for (size_t i = 0; i < candidates[t].size(); ++i) {
      if (!slo || !any_meets || candidates[t][i].latency_ms <= *slo) {
        start_columns.push_back(column[t][i]);
        break;
      }
    }
  }
  for (const auto& row : terms) mip.add_load_row(period, row);
  mip.start_from(start_columns, std::vector<double>(start_columns.size(), 1.0));
  mip.solve(time_limit_s);
  std::vector<int> chosen(candidates.size(), 0);
  if (!mip.has_solution()) return chosen;
  const double* solution = mip.solution();
  for (size_t t = 0; t < candidates.size(); ++t) {
    for (size_t i = 0; i < column[t].size(); ++i) {
      if (solution[column[t][i]] > solution[column[t][chosen[t]]]) chosen[t] = static_cast<int>(i);
    }
  }
  return chosen;
}

}  // namespace cosched
