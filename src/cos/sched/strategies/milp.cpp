#include <fmt/format.h>

#include <memory>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
#include "cos/sched/mip.h"
#include "cos/sched/strategy.h"

namespace cosched {
namespace {

// The placement problem as a mixed-integer program:
//   x[t,u,p] in {0,1}: unit u of tenant t on processor p (only where it runs);
//   c[t,u,l] >= x[t,u,p] + x[t,v,q] - 1 for each edge u->v and link l = p->q: u's output
//   is copied over l (once, however many consumers);
//   minimise T subject to sum_p x = 1 per unit and, per processor and link, the weighted
//   load <= T.
class PlacementModel {
 public:
  PlacementModel(const Problem& problem, bool integer) : problem_(problem) {
    period_ = mip_.add_column(0, Mip::kInfinity, 1, false);
    const int P = static_cast<int>(problem.processors());
    load_terms_.resize(resource_count(problem));
    x_.resize(problem.tenants.size());
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      const Tenant& tenant = problem.tenants[t];
      const SchedGraph& graph = tenant.graph;
      x_[t].assign(graph.units.size(), std::vector<int>(P, -1));
      for (size_t u = 0; u < graph.units.size(); ++u) {
        std::vector<int> columns;
        for (int p = 0; p < P; ++p) {
          if (!graph.units[u].runs_on(p)) continue;
          x_[t][u][p] = mip_.add_column(0, 1, 0, integer);
          columns.push_back(x_[t][u][p]);
          load_terms_[p].emplace_back(x_[t][u][p], tenant.weight * graph.units[u].cost_ms[p]);
        }
        mip_.add_row(columns, std::vector<double>(columns.size(), 1.0), 'E', 1.0);
      }
      for (size_t u = 0; u < graph.units.size(); ++u)
        add_copies(static_cast<int>(t), static_cast<int>(u));
    }
    for (const auto& terms : load_terms_) mip_.add_load_row(period_, terms);
  }

  Mip& mip() { return mip_; }

  // Gives CBC a feasible placement to start from.
  void start_from(const Placement& placement) {
    std::vector<int> columns;
    for (size_t t = 0; t < placement.size(); ++t) {
      for (size_t u = 0; u < placement[t].size(); ++u) columns.push_back(x_[t][u][placement[t][u]]);
    }
    mip_.start_from(columns, std::vector<double>(columns.size(), 1.0));
  }

  Placement placement() const {
    const double* solution = mip_.solution();
    Placement placement(x_.size());
    for (size_t t = 0; t < x_.size(); ++t) {
      for (const auto& columns : x_[t]) {
        int best = -1;
        for (size_t p = 0; p < columns.size(); ++p) {
          if (columns[p] >= 0 && (best < 0 || solution[columns[p]] > solution[columns[best]]))
            best = static_cast<int>(p);
        }
        placement[t].push_back(best);
      }
    }
    return placement;
  }

 private:
  void add_copies(int t, int u) {
    const SchedGraph& graph = problem_.tenants[t].graph;
    const Platform& platform = problem_.platform;
    const int P = static_cast<int>(problem_.processors());
    for (int p = 0; p < P; ++p) {
      if (x_[t][u][p] < 0) continue;
      for (int q = 0; q < P; ++q) {
        int link = platform.link_between(p, q);
        if (q == p || link < 0) continue;
        int copy = -1;
        for (int v : graph.succs[u]) {
          if (x_[t][v][q] < 0) continue;
          if (copy < 0) {
            copy = mip_.add_column(0, 1, 0, false);
            load_terms_[platform.copy_resource(link)].emplace_back(copy,
                                                                   problem_.copy_load(t, u, link));
          }
          // c - x[u,p] - x[v,q] >= -1
          mip_.add_row({copy, x_[t][u][p], x_[t][v][q]}, {1.0, -1.0, -1.0}, 'G', -1.0);
        }
      }
    }
  }

  const Problem& problem_;
  Mip mip_;
  int period_ = 0;
  std::vector<std::vector<std::vector<int>>> x_;                 // [t][u][p] -> column or -1
  std::vector<std::vector<std::pair<int, double>>> load_terms_;  // per resource
};

}  // namespace

Plan schedule_milp(const Problem& problem, const StrategyOptions& options) {
  Plan start = run_strategy("model", problem, options);
  Plan heft = run_strategy("heft", problem, options);
  if (compute_loads(problem, heft.placement).busiest_ms <
      compute_loads(problem, start.placement).busiest_ms)
    start = heft;
  PlacementModel model(problem, /*integer=*/true);
  model.start_from(start.placement);
  model.mip().solve(options.time_limit_s);
  Plan plan = empty_plan(problem, "milp");
  plan.placement = model.mip().has_solution() ? model.placement() : start.placement;
  plan.optimal = model.mip().proven_optimal();
  plan.bound_ms = model.mip().best_bound();
  double load = compute_loads(problem, plan.placement).busiest_ms;
  std::string why = plan.optimal
                        ? fmt::format("milp: optimal busiest load {:.3f} ms", load)
                        : fmt::format("milp: best found {:.3f} ms, bound {:.3f} ms (time limit)",
                                      load, *plan.bound_ms);
  for (auto& reasons : plan.why) std::fill(reasons.begin(), reasons.end(), why);
  return plan;
}

double lp_bound_ms(const Problem& problem) {
  PlacementModel model(problem, /*integer=*/false);
  model.mip().solve(600);
  return model.mip().objective();
}

}  // namespace cosched
