#include "cos/sched/search/candidates.h"

#include <algorithm>
#include <cmath>

#include "cos/sched/loads.h"

namespace cosched {
namespace {

constexpr double kEnumerateLimit = 729;  // stage placements enumerated; beyond, coordinate descent
constexpr double kDominanceEps = 0.01;

// Priced cost of one stage: its units' loads and the copies out of the unit before it
// (on `entry`) and out of every unit of the stage but the last.
class StagePricer {
 public:
  StagePricer(const Problem& problem, int tenant, const std::vector<double>& price)
      : problem_(problem),
        t_(tenant),
        tenant_(problem.tenants[tenant]),
        graph_(tenant_.graph),
        price_(price),
        seen_(problem.processors(), -1) {}

  double cost(const Stage& stage, int entry, const std::vector<int>& place) {
    double total = 0;
    if (stage.begin > 0) total += copies(stage.begin - 1, entry, place);
    for (int u = stage.begin; u < stage.end; ++u) {
      int p = place[u];
      total += price_[p] * tenant_.weight * graph_.units[u].cost_ms[p];
      if (u + 1 < stage.end) total += copies(u, p, place);
    }
    return total;
  }

  // Cost of unit u on processor p given its neighbours' current processors, counting
  // each edge's copy separately (the descent's local view).
  double local_cost(int u, int p, int entry, const Stage& stage,
                    const std::vector<int>& place) const {
    double total = price_[p] * tenant_.weight * graph_.units[u].cost_ms[p];
    for (int pred : graph_.preds[u]) {
      int from = pred == stage.begin - 1 ? entry : place[pred];
      total += edge_cost(pred, from, p);
    }
    if (u + 1 < stage.end) {
      for (int succ : graph_.succs[u]) total += edge_cost(u, p, place[succ]);
    }
    return total;
  }

 private:
  double edge_cost(int source, int from, int to) const {
    if (from == to) return 0;
    int link = problem_.platform.link_between(from, to);
    if (link < 0) return 0;
    return price_[problem_.platform.copy_resource(link)] * problem_.copy_load(t_, source, link);
  }

  double copies(int source, int from, const std::vector<int>& place) {
    std::fill(seen_.begin(), seen_.end(), -1);
    double total = 0;
    for (int succ : graph_.succs[source]) {
      int to = place[succ];
      if (to == from || seen_[to] >= 0) continue;
      seen_[to] = 1;
      total += edge_cost(source, from, to);
    }
    return total;
  }

  const Problem& problem_;
  const int t_;
  const Tenant& tenant_;
  const SchedGraph& graph_;
  const std::vector<double>& price_;
  std::vector<int> seen_;
};

struct StageChoice {
  double cost = kUnsupported;
  std::vector<int> place;  // processors of the stage's units
};

// best[entry][exit]: least priced placement of the stage's units.
std::vector<std::vector<StageChoice>> price_stage(const Problem& problem, const SchedGraph& graph,
                                                  const Stage& stage, StagePricer& pricer) {
  const int P = static_cast<int>(problem.processors());
  const int n = stage.end - stage.begin;
  std::vector<std::vector<StageChoice>> best(P, std::vector<StageChoice>(P));
  std::vector<int> place(graph.units.size(), 0);
  auto record = [&](int entry) {
    double cost = pricer.cost(stage, entry, place);
    StageChoice& slot = best[entry][place[stage.end - 1]];
    if (cost < slot.cost) {
      slot.cost = cost;
      slot.place.assign(place.begin() + stage.begin, place.begin() + stage.end);
    }
  };
  std::vector<std::vector<int>> options(n);
  double combinations = 1;
  for (int i = 0; i < n; ++i) {
    for (int p = 0; p < P; ++p) {
      if (graph.units[stage.begin + i].runs_on(p)) options[i].push_back(p);
    }
    combinations *= static_cast<double>(options[i].size());
  }
  if (combinations <= kEnumerateLimit) {
    std::vector<size_t> digit(n, 0);
    while (true) {
      for (int i = 0; i < n; ++i) place[stage.begin + i] = options[i][digit[i]];
      for (int entry = 0; entry < P; ++entry) record(entry);
      int i = 0;
      while (i < n && ++digit[i] == options[i].size()) digit[i++] = 0;
      if (i == n) break;
    }
    return best;
  }
  // Coordinate descent from "everything on q" for each q, per entry processor.
  for (int entry = 0; entry < P; ++entry) {
    for (int q = 0; q < P; ++q) {
      for (int i = 0; i < n; ++i) {
        const auto& o = options[i];
        place[stage.begin + i] = std::find(o.begin(), o.end(), q) != o.end() ? q : o.front();
      }
      for (int sweep = 0, changed = 1; changed && sweep < 8; ++sweep) {
        changed = 0;
        for (int i = 0; i < n; ++i) {
          int u = stage.begin + i;
          int best_p = place[u];
          double best_cost = pricer.local_cost(u, best_p, entry, stage, place);
          for (int p : options[i]) {
            double cost = pricer.local_cost(u, p, entry, stage, place);
            if (cost < best_cost - 1e-12) {
              best_cost = cost;
              best_p = p;
            }
          }
          if (best_p != place[u]) {
            place[u] = best_p;
            changed = 1;
          }
        }
      }
      record(entry);
    }
  }
  return best;
}

std::vector<int> least_priced_placement(const Problem& problem, int tenant,
                                        const std::vector<double>& price) {
  const SchedGraph& graph = problem.tenants[tenant].graph;
  const int P = static_cast<int>(problem.processors());
  StagePricer pricer(problem, tenant, price);
  const size_t S = graph.stages.size();
  // value[s][q]: least cost of stages 0..s with the last unit of stage s on q.
  std::vector<std::vector<double>> value(S, std::vector<double>(P, kUnsupported));
  std::vector<std::vector<int>> from(S, std::vector<int>(P, -1));
  std::vector<std::vector<std::vector<StageChoice>>> choices(S);
  for (size_t s = 0; s < S; ++s) {
    choices[s] = price_stage(problem, graph, graph.stages[s], pricer);
    for (int entry = 0; entry < P; ++entry) {
      double before = s == 0 ? 0.0 : value[s - 1][entry];
      if (before >= kUnsupported) continue;
      for (int exit = 0; exit < P; ++exit) {
        double cost = before + choices[s][entry][exit].cost;
        if (cost < value[s][exit]) {
          value[s][exit] = cost;
          from[s][exit] = entry;
        }
      }
      if (s == 0) break;  // the first stage has no entry: price it once
    }
  }
  std::vector<int> place(graph.units.size(), 0);
  int exit = static_cast<int>(std::min_element(value[S - 1].begin(), value[S - 1].end()) -
                              value[S - 1].begin());
  for (size_t s = S; s-- > 0;) {
    int entry = from[s][exit];
    const Stage& stage = graph.stages[s];
    std::copy(choices[s][entry][exit].place.begin(), choices[s][entry][exit].place.end(),
              place.begin() + stage.begin);
    exit = entry;
  }
  return place;
}

bool dominates(const Candidate& a, const Candidate& b) {
  if (a.latency_ms > b.latency_ms * (1 + kDominanceEps) + 1e-12) return false;
  for (size_t r = 0; r < a.loads.size(); ++r) {
    if (a.loads[r] > b.loads[r] * (1 + kDominanceEps) + 1e-12) return false;
  }
  return true;
}

}  // namespace

Candidate make_candidate(const Problem& problem, int tenant, std::vector<int> place) {
  Candidate candidate;
  candidate.loads = tenant_loads(problem, tenant, place);
  Placement placement(problem.tenants.size());
  placement[tenant] = place;
  candidate.latency_ms = isolated_latency_ms(problem, placement, tenant);
  candidate.place = std::move(place);
  return candidate;
}

std::vector<std::vector<double>> exploration_prices(const Problem& problem) {
  const size_t R = resource_count(problem);
  std::vector<std::vector<double>> prices = {std::vector<double>(R, 1.0)};
  for (size_t r = 0; r < R; ++r) {
    for (double factor : {0.25, 4.0}) {
      prices.emplace_back(R, 1.0);
      prices.back()[r] = factor;
    }
  }
  return prices;
}

std::vector<double> selection_loads(const Problem& problem,
                                    const std::vector<std::vector<Candidate>>& candidates,
                                    const std::vector<int>& chosen) {
  std::vector<double> total(resource_count(problem), 0.0);
  for (size_t t = 0; t < candidates.size(); ++t) {
    for (size_t r = 0; r < total.size(); ++r) total[r] += candidates[t][chosen[t]].loads[r];
  }
  return total;
}

std::vector<double> congestion_prices(const std::vector<double>& loads) {
  double busiest = *std::max_element(loads.begin(), loads.end());
  std::vector<double> price(loads.size());
  for (size_t r = 0; r < loads.size(); ++r) {
    double share = busiest > 0 ? loads[r] / busiest : 0;
    price[r] = 0.05 + share * share * share * share;
  }
  return price;
}

void merge_candidates(std::vector<Candidate>& pool, std::vector<Candidate> fresh,
                      size_t max_candidates) {
  for (auto& candidate : fresh) {
    if (pool.size() >= max_candidates) return;
    bool covered = std::any_of(pool.begin(), pool.end(), [&](const Candidate& c) {
      return c.place == candidate.place || dominates(c, candidate);
    });
    if (!covered) pool.push_back(std::move(candidate));
  }
}

std::vector<Candidate> tenant_candidates(const Problem& problem, int tenant,
                                         const std::vector<std::vector<double>>& prices,
                                         size_t max_candidates) {
  std::vector<Candidate> result;
  for (const auto& price : prices) {
    merge_candidates(
        result, {make_candidate(problem, tenant, least_priced_placement(problem, tenant, price))},
        max_candidates);
  }
  return result;
}

}  // namespace cosched
