#include "cos/sched/search/select.h"

#include <algorithm>

#include "cos/sched/loads.h"
#include "cos/sched/mip.h"

namespace cosched {
namespace {

constexpr double kEnumerateLimit = 4096;  // combinations enumerated; beyond, the MILP

// The candidates a tenant may take: those whose latency alone meets its SLO, all of them
// where none does.
std::vector<int> allowed_candidates(const Tenant& tenant, const std::vector<Candidate>& pool) {
  std::vector<int> allowed;
  for (size_t i = 0; i < pool.size(); ++i) {
    if (!tenant.slo_ms || pool[i].latency_ms <= *tenant.slo_ms)
      allowed.push_back(static_cast<int>(i));
  }
  if (allowed.empty()) {
    for (size_t i = 0; i < pool.size(); ++i) allowed.push_back(static_cast<int>(i));
  }
  return allowed;
}

// Every combination of allowed candidates: the least busiest load, then the most even.
std::vector<int> enumerate_candidates(const Problem& problem,
                                      const std::vector<std::vector<Candidate>>& candidates,
                                      const std::vector<std::vector<int>>& allowed) {
  const size_t T = candidates.size(), R = resource_count(problem);
  std::vector<size_t> digit(T, 0);
  std::vector<int> best(T, 0), current(T);
  double best_busiest = kUnsupported, best_spread = kUnsupported;
  std::vector<double> total(R);
  while (true) {
    std::fill(total.begin(), total.end(), 0.0);
    for (size_t t = 0; t < T; ++t) {
      current[t] = allowed[t][digit[t]];
      const auto& loads = candidates[t][current[t]].loads;
      for (size_t r = 0; r < R; ++r) total[r] += loads[r];
    }
    double busiest = *std::max_element(total.begin(), total.end()), spread = 0;
    for (double load : total) spread += load * load;
    if (busiest < best_busiest * (1 - 1e-12) ||
        (busiest <= best_busiest * (1 + 1e-12) && spread < best_spread)) {
      best_busiest = busiest;
      best_spread = spread;
      best = current;
    }
    size_t t = 0;
    while (t < T && ++digit[t] == allowed[t].size()) digit[t++] = 0;
    if (t == T) break;
  }
  return best;
}

}  // namespace

std::vector<int> select_candidates(const Problem& problem,
                                   const std::vector<std::vector<Candidate>>& candidates,
                                   double time_limit_s) {
  std::vector<std::vector<int>> allowed;
  double combinations = 1;
  for (size_t t = 0; t < candidates.size(); ++t) {
    allowed.push_back(allowed_candidates(problem.tenants[t], candidates[t]));
    combinations *= static_cast<double>(allowed.back().size());
  }
  if (combinations <= kEnumerateLimit) return enumerate_candidates(problem, candidates, allowed);
  Mip mip;
  int period = mip.add_column(0, Mip::kInfinity, 1, false);
  const size_t R = resource_count(problem);
  std::vector<std::vector<std::pair<int, double>>> terms(R);
  std::vector<std::vector<int>> column(candidates.size());
  std::vector<int> start_columns;
  for (size_t t = 0; t < candidates.size(); ++t) {
    std::vector<int> choice;
    for (size_t i = 0; i < candidates[t].size(); ++i) {
      bool ok =
          std::find(allowed[t].begin(), allowed[t].end(), static_cast<int>(i)) != allowed[t].end();
      int y = mip.add_column(0, ok ? 1 : 0, 0, true);
      column[t].push_back(y);
      choice.push_back(y);
      const Candidate& c = candidates[t][i];
      for (size_t r = 0; r < R; ++r) {
        if (c.loads[r] != 0) terms[r].emplace_back(y, c.loads[r]);
      }
    }
    mip.add_row(choice, std::vector<double>(choice.size(), 1.0), 'E', 1.0);
    start_columns.push_back(column[t][allowed[t].front()]);
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
