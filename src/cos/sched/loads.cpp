#include "cos/sched/loads.h"

#include <algorithm>

namespace cosched {

size_t resource_count(const Problem& problem) {
  return problem.processors() + problem.links();
}

std::string resource_name(const Problem& problem, int resource) {
  int processors = static_cast<int>(problem.processors());
  if (resource < processors) return problem.platform.processors[resource].id;
  return problem.platform.link_name(resource - processors);
}

std::vector<double> tenant_loads(const Problem& problem, int t, const std::vector<int>& place) {
  std::vector<double> loads(resource_count(problem), 0.0);
  const Tenant& tenant = problem.tenants[t];
  const SchedGraph& graph = tenant.graph;
  for (size_t u = 0; u < graph.units.size(); ++u) {
    loads[place[u]] += tenant.weight * graph.units[u].cost_ms[place[u]];
    for_each_copy(problem, t, static_cast<int>(u), place, [&](int, int link) {
      if (link < 0) return;
      loads[problem.platform.copy_resource(link)] +=
          problem.copy_load(t, static_cast<int>(u), link);
    });
  }
  return loads;
}

Loads compute_loads(const Problem& problem, const Placement& placement) {
  Loads loads;
  loads.resource_ms.assign(resource_count(problem), 0.0);
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    std::vector<double> added = tenant_loads(problem, static_cast<int>(t), placement[t]);
    for (size_t r = 0; r < added.size(); ++r) loads.resource_ms[r] += added[r];
  }
  auto busiest = std::max_element(loads.resource_ms.begin(), loads.resource_ms.end());
  loads.busiest = static_cast<int>(busiest - loads.resource_ms.begin());
  loads.busiest_ms = *busiest;
  return loads;
}

double isolated_latency_ms(const Problem& problem, const Placement& placement, int tenant) {
  const SchedGraph& graph = problem.tenants[tenant].graph;
  const Platform& platform = problem.platform;
  std::vector<double> finish(graph.units.size(), 0.0);
  for (size_t u = 0; u < graph.units.size(); ++u) {
    int p = placement[tenant][u];
    double start = 0;
    for (int pred : graph.preds[u]) {
      int q = placement[tenant][pred];
      double ready = finish[pred];
      if (q != p) {
        int link = platform.link_between(q, p);
        ready += platform.switch_latency_ms +
                 (link >= 0 ? platform.links[link].copy_ms(graph.units[pred].out_bytes) : 0);
      }
      start = std::max(start, ready);
    }
    finish[u] = start + graph.units[u].cost_ms[p];
  }
  return finish.back();
}

}  // namespace cosched
