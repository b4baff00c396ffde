#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "cos/sched/loads.h"
#include "cos/sched/strategies/whole.h"
#include "cos/sched/strategy.h"

namespace cosched {
namespace {

constexpr double kExhaustiveAssignments = 200000;

double busiest_of(const std::vector<std::vector<std::vector<double>>>& added,
                  const std::vector<int>& choice, size_t resources) {
  std::vector<double> total(resources, 0.0);
  for (size_t t = 0; t < choice.size(); ++t) {
    for (size_t r = 0; r < resources; ++r) total[r] += added[t][choice[t]][r];
  }
  return *std::max_element(total.begin(), total.end());
}

}  // namespace

// Each model whole on one processor: the assignment of models to processors with the
// least busiest-resource load (every assignment when few, else greedy plus moves).
Plan schedule_model(const Problem& problem, const StrategyOptions&) {
  const size_t tenants = problem.tenants.size(), processors = problem.processors();
  const size_t resources = resource_count(problem);
  // added[t][p]: resource loads of tenant t placed whole on p.
  std::vector<std::vector<std::vector<double>>> added(tenants);
  std::vector<std::vector<std::vector<int>>> places(tenants);
  for (size_t t = 0; t < tenants; ++t) {
    for (size_t p = 0; p < processors; ++p) {
      places[t].push_back(place_whole(problem, static_cast<int>(t), static_cast<int>(p)));
      added[t].push_back(tenant_loads(problem, static_cast<int>(t), places[t].back()));
    }
  }
  std::vector<int> best(tenants, 0);
  double best_load = busiest_of(added, best, resources);
  bool exhaustive = std::pow(static_cast<double>(processors), static_cast<double>(tenants)) <=
                    kExhaustiveAssignments;
  if (exhaustive) {
    std::vector<int> choice(tenants, 0);
    while (true) {
      size_t t = 0;
      while (t < tenants && ++choice[t] == static_cast<int>(processors)) choice[t++] = 0;
      if (t == tenants) break;
      double load = busiest_of(added, choice, resources);
      if (load < best_load) {
        best_load = load;
        best = choice;
      }
    }
  } else {
    // Largest tenants first, each where the busiest load grows least; then single moves.
    std::vector<size_t> order(tenants);
    std::iota(order.begin(), order.end(), 0);
    auto total_work = [&](size_t t) {
      double least = kUnsupported;
      for (const auto& loads : added[t])
        least = std::min(least, std::accumulate(loads.begin(), loads.end(), 0.0));
      return least;
    };
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return total_work(a) > total_work(b); });
    std::vector<double> total(resources, 0.0);
    for (size_t t : order) {
      double least = kUnsupported;
      for (size_t p = 0; p < processors; ++p) {
        double load = 0;
        for (size_t r = 0; r < resources; ++r) load = std::max(load, total[r] + added[t][p][r]);
        if (load < least) {
          least = load;
          best[t] = static_cast<int>(p);
        }
      }
      for (size_t r = 0; r < resources; ++r) total[r] += added[t][best[t]][r];
    }
    best_load = busiest_of(added, best, resources);
    for (bool improved = true; improved;) {
      improved = false;
      for (size_t t = 0; t < tenants; ++t) {
        for (size_t p = 0; p < processors; ++p) {
          std::vector<int> moved = best;
          moved[t] = static_cast<int>(p);
          double load = busiest_of(added, moved, resources);
          if (load < best_load - 1e-12) {
            best_load = load;
            best = moved;
            improved = true;
          }
        }
      }
    }
  }
  Plan plan = empty_plan(problem, "model");
  for (size_t t = 0; t < tenants; ++t) {
    plan.placement[t] = places[t][best[t]];
    const std::string& id = problem.platform.processors[best[t]].id;
    for (size_t u = 0; u < plan.placement[t].size(); ++u) {
      plan.why[t][u] =
          plan.placement[t][u] == best[t]
              ? fmt::format("model: tenant whole on {} ({} assignment, busiest load {:.3f} ms)", id,
                            exhaustive ? "best" : "greedy", best_load)
              : fmt::format("model: {} cannot run it; fastest processor instead", id);
    }
  }
  return plan;
}

}  // namespace cosched
