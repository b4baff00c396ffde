#include <Cbc_C_Interface.h>
#include <fmt/format.h>

#include <memory>

#include "cos/common/error.h"
#include "cos/sched/loads.h"
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
  PlacementModel(const Problem& problem, bool integer)
      : problem_(problem), model_(Cbc_newModel(), Cbc_deleteModel) {
    Cbc_setLogLevel(model_.get(), 0);
    Cbc_setObjSense(model_.get(), 1);
    period_ = add_column("T", 0, kInfinity, 1, false);
    const int P = static_cast<int>(problem.processors());
    const size_t R = resource_count(problem);
    load_terms_.resize(R);
    x_.resize(problem.tenants.size());
    for (size_t t = 0; t < problem.tenants.size(); ++t) {
      const Tenant& tenant = problem.tenants[t];
      const SchedGraph& graph = tenant.graph;
      x_[t].assign(graph.units.size(), std::vector<int>(P, -1));
      for (size_t u = 0; u < graph.units.size(); ++u) {
        std::vector<int> columns;
        for (int p = 0; p < P; ++p) {
          if (!graph.units[u].runs_on(p)) continue;
          x_[t][u][p] = add_column(fmt::format("x_{}_{}_{}", t, u, p), 0, 1, 0, integer);
          columns.push_back(x_[t][u][p]);
          load_terms_[p].emplace_back(x_[t][u][p], tenant.weight * graph.units[u].cost_ms[p]);
        }
        add_row(columns, std::vector<double>(columns.size(), 1.0), 'E', 1.0);
      }
      for (size_t u = 0; u < graph.units.size(); ++u)
        add_copies(static_cast<int>(t), static_cast<int>(u));
    }
    for (size_t r = 0; r < R; ++r) {
      std::vector<int> columns = {period_};
      std::vector<double> coefs = {-1.0};
      for (const auto& [column, coef] : load_terms_[r]) {
        columns.push_back(column);
        coefs.push_back(coef);
      }
      add_row(columns, coefs, 'L', 0.0);
    }
  }

  // Gives CBC a feasible placement to start from.
  void start_from(const Placement& placement) {
    std::vector<int> columns;
    std::vector<double> values;
    for (size_t t = 0; t < placement.size(); ++t) {
      for (size_t u = 0; u < placement[t].size(); ++u) {
        columns.push_back(x_[t][u][placement[t][u]]);
        values.push_back(1.0);
      }
    }
    Cbc_setMIPStartI(model_.get(), static_cast<int>(columns.size()), columns.data(), values.data());
  }

  void solve(double seconds) {
    Cbc_setMaximumSeconds(model_.get(), seconds);
    Cbc_setParameter(model_.get(), "sec",
                     fmt::format("{}", seconds).c_str());  // also bounds preprocessing
    Cbc_setAllowableFractionGap(model_.get(), 1e-6);
    Cbc_setParameter(model_.get(), "threads", "1");
    int status = Cbc_solve(model_.get());
    if (status != 0 && !Cbc_isSecondsLimitReached(model_.get()))
      fail("milp: CBC stopped with status {}", status);
  }

  bool proven_optimal() { return Cbc_isProvenOptimal(model_.get()) != 0; }
  double objective() { return Cbc_getObjValue(model_.get()); }
  double best_bound() { return Cbc_getBestPossibleObjValue(model_.get()); }
  bool has_solution() { return Cbc_bestSolution(model_.get()) != nullptr; }

  Placement placement() {
    const double* solution = Cbc_getColSolution(model_.get());
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
  static constexpr double kInfinity = 1e30;

  int add_column(const std::string& name, double lower, double upper, double objective,
                 bool integer) {
    Cbc_addCol(model_.get(), name.c_str(), lower, upper, objective, integer ? 1 : 0, 0, nullptr,
               nullptr);
    return columns_++;
  }

  void add_row(const std::vector<int>& columns, const std::vector<double>& coefs, char sense,
               double rhs) {
    Cbc_addRow(model_.get(), "", static_cast<int>(columns.size()), columns.data(), coefs.data(),
               sense, rhs);
  }

  void add_copies(int t, int u) {
    const Tenant& tenant = problem_.tenants[t];
    const SchedGraph& graph = tenant.graph;
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
            copy = add_column(fmt::format("c_{}_{}_{}", t, u, link), 0, 1, 0, false);
            load_terms_[P + link].emplace_back(
                copy, tenant.weight * platform.links[link].copy_ms(graph.units[u].out_bytes));
          }
          // c - x[u,p] - x[v,q] >= -1
          add_row({copy, x_[t][u][p], x_[t][v][q]}, {1.0, -1.0, -1.0}, 'G', -1.0);
        }
      }
    }
  }

  const Problem& problem_;
  std::unique_ptr<Cbc_Model, void (*)(Cbc_Model*)> model_;
  int columns_ = 0;
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
  model.solve(options.time_limit_s);
  Plan plan = empty_plan(problem, "milp");
  plan.placement = model.has_solution() ? model.placement() : start.placement;
  plan.optimal = model.proven_optimal();
  plan.bound_ms = model.best_bound();
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
  model.solve(600);
  return model.objective();
}

}  // namespace cosched
