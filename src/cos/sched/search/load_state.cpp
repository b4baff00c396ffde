#include "cos/sched/search/load_state.h"

#include <algorithm>

#include "cos/sched/loads.h"

namespace cosched {

LoadState::LoadState(const Problem& problem, Placement placement)
    : problem_(problem), placement_(std::move(placement)) {
  loads_ = compute_loads(problem, placement_).resource_ms;
}

void LoadState::reset(Placement placement) {
  placement_ = std::move(placement);
  loads_ = compute_loads(problem_, placement_).resource_ms;
}

double LoadState::busiest() const {
  return *std::max_element(loads_.begin(), loads_.end());
}

double LoadState::spread() const {
  double sum = 0;
  for (double load : loads_) sum += load * load;
  return sum;
}

void LoadState::account_copies(int t, int s, double sign) {
  for_each_copy(problem_, t, s, placement_[t], [&](int, int link) {
    if (link < 0) return;
    loads_[problem_.platform.copy_resource(link)] += sign * problem_.copy_load(t, s, link);
  });
}

void LoadState::move(int t, int u, int processor) {
  const Tenant& tenant = problem_.tenants[t];
  const SchedGraph& graph = tenant.graph;
  int from = placement_[t][u];
  if (from == processor) return;
  account_copies(t, u, -1);
  for (int pred : graph.preds[u]) account_copies(t, pred, -1);
  loads_[from] -= tenant.weight * graph.units[u].cost_ms[from];
  placement_[t][u] = processor;
  loads_[processor] += tenant.weight * graph.units[u].cost_ms[processor];
  account_copies(t, u, 1);
  for (int pred : graph.preds[u]) account_copies(t, pred, 1);
}

}  // namespace cosched
