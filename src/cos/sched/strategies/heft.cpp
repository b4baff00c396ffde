#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "cos/sched/strategy.h"

namespace cosched {
namespace {

struct UnitRef {
  int tenant;
  int unit;
};

// Busy intervals of one processor, for insertion-based scheduling.
class Timeline {
 public:
  // Earliest start >= ready at which `duration` fits between booked intervals.
  double earliest_start(double ready, double duration) const {
    double start = ready;
    for (const auto& [begin, end] : busy_) {
      if (start + duration <= begin) break;
      start = std::max(start, end);
    }
    return start;
  }
  void book(double start, double end) { busy_.emplace(start, end); }

 private:
  std::multimap<double, double> busy_;
};

double mean_cost(const Unit& unit) {
  double sum = 0;
  int count = 0;
  for (double cost : unit.cost_ms) {
    if (cost < kUnsupported) {
      sum += cost;
      ++count;
    }
  }
  return sum / count;
}

// Time for unit u's output to reach processor q from p.
double transfer_ms(const Problem& problem, const Unit& unit, int p, int q) {
  if (p == q) return 0;
  int link = problem.platform.link_between(p, q);
  return problem.platform.switch_latency_ms +
         (link >= 0 ? problem.platform.links[link].copy_ms(unit.out_bytes) : 0.0);
}

double mean_transfer_ms(const Problem& problem, const Unit& unit) {
  const int P = static_cast<int>(problem.processors());
  if (P < 2) return 0;
  double sum = 0;
  for (int p = 0; p < P; ++p) {
    for (int q = 0; q < P; ++q) sum += p == q ? 0.0 : transfer_ms(problem, unit, p, q);
  }
  return sum / (P * (P - 1));
}

}  // namespace

// HEFT over all tenants' graphs (one request each): units in decreasing upward rank,
// each on the processor with the earliest finish time, inserted into idle gaps. The
// order on each processor is the schedule's start times.
Plan schedule_heft(const Problem& problem, const StrategyOptions&) {
  Plan plan = empty_plan(problem, "heft");
  std::vector<UnitRef> units;
  std::vector<std::vector<double>> upward(problem.tenants.size());
  for (size_t t = 0; t < problem.tenants.size(); ++t) {
    const SchedGraph& graph = problem.tenants[t].graph;
    upward[t].assign(graph.units.size(), 0.0);
    for (int u = static_cast<int>(graph.units.size()) - 1; u >= 0; --u) {
      double tail = 0;
      for (int succ : graph.succs[u])
        tail = std::max(tail, mean_transfer_ms(problem, graph.units[u]) + upward[t][succ]);
      upward[t][u] = mean_cost(graph.units[u]) + tail;
    }
    for (int u = 0; u < static_cast<int>(graph.units.size()); ++u)
      units.push_back({static_cast<int>(t), u});
  }
  // A unit never ranks below its successors, and ties keep topological order (stable
  // sort of units listed in that order), so this is a valid order to schedule in.
  std::stable_sort(units.begin(), units.end(), [&](const UnitRef& a, const UnitRef& b) {
    return upward[a.tenant][a.unit] > upward[b.tenant][b.unit];
  });
  std::vector<Timeline> timelines(problem.processors());
  std::vector<std::vector<double>> finish(problem.tenants.size());
  for (size_t t = 0; t < problem.tenants.size(); ++t)
    finish[t].assign(problem.tenants[t].graph.units.size(), 0.0);
  for (const UnitRef& ref : units) {
    const SchedGraph& graph = problem.tenants[ref.tenant].graph;
    const Unit& unit = graph.units[ref.unit];
    double best_finish = kUnsupported, best_start = 0, second = kUnsupported;
    int best = -1;
    for (int p = 0; p < static_cast<int>(problem.processors()); ++p) {
      if (!unit.runs_on(p)) continue;
      double ready = 0;
      for (int pred : graph.preds[ref.unit]) {
        int q = plan.placement[ref.tenant][pred];
        ready = std::max(ready,
                         finish[ref.tenant][pred] + transfer_ms(problem, graph.units[pred], q, p));
      }
      double start = timelines[p].earliest_start(ready, unit.cost_ms[p]);
      double end = start + unit.cost_ms[p];
      if (end < best_finish) {
        second = best_finish;
        best_finish = end;
        best_start = start;
        best = p;
      } else {
        second = std::min(second, end);
      }
    }
    timelines[best].book(best_start, best_finish);
    finish[ref.tenant][ref.unit] = best_finish;
    plan.placement[ref.tenant][ref.unit] = best;
    plan.rank[ref.tenant][ref.unit] = best_start;
    plan.why[ref.tenant][ref.unit] =
        second < kUnsupported
            ? fmt::format("heft: earliest finish {:.3f} ms on {} (next best {:.3f} ms)",
                          best_finish, problem.platform.processors[best].id, second)
            : fmt::format("heft: only {} runs it", problem.platform.processors[best].id);
  }
  return plan;
}

}  // namespace cosched
