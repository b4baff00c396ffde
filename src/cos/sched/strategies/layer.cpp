#include <fmt/format.h>

#include <algorithm>
#include <numeric>

#include "cos/sched/loads.h"
#include "cos/sched/strategies/whole.h"
#include "cos/sched/strategy.h"

namespace cosched {
namespace {

constexpr int kMaxCuts = 64;  // candidate cut points per model; keeps the DP small

// Candidate cut positions: stage boundaries (where one unit's output is all that
// crosses), thinned evenly when there are many. Always includes 0 and n.
std::vector<int> cut_points(const SchedGraph& graph) {
  std::vector<int> cuts;
  for (const Stage& stage : graph.stages) cuts.push_back(stage.begin);
  cuts.push_back(static_cast<int>(graph.units.size()));
  if (static_cast<int>(cuts.size()) <= kMaxCuts) return cuts;
  std::vector<int> thinned;
  for (int i = 0; i < kMaxCuts; ++i)
    thinned.push_back(cuts[i * (cuts.size() - 1) / (kMaxCuts - 1)]);
  thinned.erase(std::unique(thinned.begin(), thinned.end()), thinned.end());
  return thinned;
}

struct Segment {
  int begin, end, processor;
};

// Optimal cuts of one model into at most k contiguous segments on distinct processors,
// minimising the busiest resource given the load `base` of the models placed before.
std::vector<Segment> best_segments(const Problem& problem, int t, const std::vector<double>& base,
                                   int k) {
  const Tenant& tenant = problem.tenants[t];
  const SchedGraph& graph = tenant.graph;
  const Platform& platform = problem.platform;
  const int P = static_cast<int>(problem.processors());
  const std::vector<int> cuts = cut_points(graph);
  const int C = static_cast<int>(cuts.size());
  // prefix[p][i]: cost of units [0, i) on p, unsupported units at their fastest elsewhere
  // (charged to p: an approximation the final plan evaluation corrects).
  std::vector<std::vector<double>> prefix(P, std::vector<double>(graph.units.size() + 1, 0.0));
  for (int p = 0; p < P; ++p) {
    for (size_t u = 0; u < graph.units.size(); ++u) {
      const Unit& unit = graph.units[u];
      double cost = unit.runs_on(p) ? unit.cost_ms[p] : 0.0;
      prefix[p][u + 1] = prefix[p][u] + tenant.weight * cost;
    }
  }
  const int masks = 1 << P;
  // value[c][mask][p]: least busiest load with units [0, cuts[c]) placed on `mask`, last on p.
  std::vector<double> value(static_cast<size_t>(C) * masks * P, kUnsupported);
  std::vector<int> from(value.size(), -1);
  auto at = [&](int c, int mask, int p) { return (static_cast<size_t>(c) * masks + mask) * P + p; };
  for (int c = 1; c < C; ++c) {
    for (int q = 0; q < P; ++q) {
      double load = base[q] + prefix[q][cuts[c]];
      value[at(c, 1 << q, q)] = load;
    }
  }
  for (int c = 1; c < C; ++c) {
    for (int mask = 1; mask < masks; ++mask) {
      if (__builtin_popcount(mask) >= k) continue;
      for (int p = 0; p < P; ++p) {
        double current = value[at(c, mask, p)];
        if (current >= kUnsupported) continue;
        for (int q = 0; q < P; ++q) {
          if (mask & (1 << q)) continue;
          const int link = platform.link_between(p, q);
          const int resource = link >= 0 ? platform.copy_resource(link) : -1;
          const double copy = link >= 0 ? problem.copy_load(t, cuts[c] - 1, link) : 0;
          const double link_load = resource >= P ? base[resource] + copy : 0.0;
          const double received = resource == q ? copy : 0.0;  // q reads it from p's caches
          for (int next = c + 1; next < C; ++next) {
            double load =
                std::max({current, link_load,
                          base[q] + received + prefix[q][cuts[next]] - prefix[q][cuts[c]]});
            size_t index = at(next, mask | (1 << q), q);
            if (load < value[index]) {
              value[index] = load;
              from[index] = static_cast<int>(at(c, mask, p));
            }
          }
        }
      }
    }
  }
  size_t best = 0;
  for (int mask = 1; mask < masks; ++mask) {
    for (int p = 0; p < P; ++p) {
      if (value[at(C - 1, mask, p)] < value[best] || value[best] >= kUnsupported)
        best = at(C - 1, mask, p);
    }
  }
  std::vector<Segment> segments;
  for (size_t index = best; index != static_cast<size_t>(-1);) {
    int p = static_cast<int>(index % P);
    int c = static_cast<int>(index / (static_cast<size_t>(masks) * P));
    int previous = from[index];
    int begin = previous < 0 ? 0 : cuts[previous / (masks * P)];
    segments.push_back({begin, cuts[c], p});
    index = previous < 0 ? static_cast<size_t>(-1) : static_cast<size_t>(previous);
  }
  std::reverse(segments.begin(), segments.end());
  return segments;
}

void place_segments(const Problem& problem, int t, const std::vector<Segment>& segments,
                    Plan& plan) {
  for (size_t s = 0; s < segments.size(); ++s) {
    const Segment& segment = segments[s];
    const std::string& id = problem.platform.processors[segment.processor].id;
    for (int u = segment.begin; u < segment.end; ++u) {
      const Unit& unit = problem.tenants[t].graph.units[u];
      bool runs = unit.runs_on(segment.processor);
      plan.placement[t][u] = runs ? segment.processor : fastest_processor(unit);
      plan.why[t][u] = runs ? fmt::format("layer: segment {}/{} (units {}-{}) on {}", s + 1,
                                          segments.size(), segment.begin, segment.end - 1, id)
                            : fmt::format("layer: {} cannot run it; fastest processor instead", id);
    }
  }
}

void add_loads(std::vector<double>& total, const std::vector<double>& added, double sign) {
  for (size_t r = 0; r < total.size(); ++r) total[r] += sign * added[r];
}

}  // namespace

// The layer-level prior art: each model cut into at most k contiguous segments (by
// topological order), each on its own processor. Models are placed largest first, each
// with the cuts that keep the busiest resource least loaded given the others (dynamic
// programming), then re-cut in turn while that lowers the busiest load.
Plan schedule_layer(const Problem& problem, const StrategyOptions& options) {
  constexpr int kPasses = 4;
  const int k =
      options.max_segments > 0 ? options.max_segments : static_cast<int>(problem.processors());
  Plan plan = empty_plan(problem, "layer");
  std::vector<size_t> order(problem.tenants.size());
  std::iota(order.begin(), order.end(), 0);
  auto work = [&](size_t t) {
    double sum = 0;
    for (const auto& unit : problem.tenants[t].graph.units)
      sum += unit.cost_ms[fastest_processor(unit)];
    return sum * problem.tenants[t].weight;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return work(a) > work(b); });
  std::vector<double> base(resource_count(problem), 0.0);
  for (size_t t : order) {
    place_segments(problem, static_cast<int>(t),
                   best_segments(problem, static_cast<int>(t), base, k), plan);
    add_loads(base, tenant_loads(problem, static_cast<int>(t), plan.placement[t]), 1);
  }
  // One segment per model is a layer plan too: start from the model-level optimum when
  // it is better than the greedy cuts.
  Plan whole = schedule_model(problem, options);
  Loads whole_loads = compute_loads(problem, whole.placement);
  double busiest = *std::max_element(base.begin(), base.end());
  if (whole_loads.busiest_ms < busiest) {
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      int p = whole.placement[t][1];
      place_segments(problem, static_cast<int>(t),
                     {{0, static_cast<int>(whole.placement[t].size()), p}}, plan);
    }
    base = whole_loads.resource_ms;
    busiest = whole_loads.busiest_ms;
  }
  for (int pass = 0; pass < kPasses; ++pass) {
    bool improved = false;
    for (size_t t : order) {
      Plan trial = plan;
      std::vector<double> others = base;
      add_loads(others, tenant_loads(problem, static_cast<int>(t), plan.placement[t]), -1);
      place_segments(problem, static_cast<int>(t),
                     best_segments(problem, static_cast<int>(t), others, k), trial);
      add_loads(others, tenant_loads(problem, static_cast<int>(t), trial.placement[t]), 1);
      double load = *std::max_element(others.begin(), others.end());
      if (load < busiest - 1e-12) {
        busiest = load;
        base = std::move(others);
        plan = std::move(trial);
        improved = true;
      }
    }
    if (!improved) break;
  }
  return plan;
}

}  // namespace cosched
