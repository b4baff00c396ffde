#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cos/sched/problem.h"

namespace cosched {

// [tenant][unit] -> processor index.
using Placement = std::vector<std::vector<int>>;

// A copy the placement implies: unit `unit` of `tenant` sends its output from processor
// `from` to `to` (once, however many consumers are there).
struct Copy {
  int tenant = 0;
  int unit = 0;
  int from = 0;
  int to = 0;
  int link = -1;  // -1: CPU groups sharing memory, only an event
};

std::vector<Copy> plan_copies(const Problem& problem, const Placement& placement);

// Calls fn(to, link) once for each processor, other than the unit's own, that runs one of
// its consumers: where the unit's output is copied (link -1: CPU groups sharing memory).
template <typename Fn>
void for_each_copy(const Problem& problem, int tenant, int unit, const std::vector<int>& place,
                   Fn&& fn) {
  const int from = place[unit];
  uint64_t served = 0;  // one bit per processor (Platform::finalize allows at most 64)
  for (int succ : problem.tenants[tenant].graph.succs[unit]) {
    const int to = place[succ];
    const uint64_t bit = uint64_t{1} << to;
    if (to == from || (served & bit)) continue;
    served |= bit;
    fn(to, problem.platform.link_between(from, to));
  }
}

// A strategy's answer: where every unit runs, in which order each processor takes its
// ready units (lower rank first; among requests, older first), and why.
struct Plan {
  std::string strategy;
  Placement placement;
  std::vector<std::vector<double>> rank;      // [tenant][unit]
  std::vector<std::vector<std::string>> why;  // [tenant][unit]
  double search_s = 0;
  std::optional<double>
      bound_ms;              // milp: optimal busiest-resource load (lower bound on any period)
  bool optimal = false;      // milp: proven optimal within its time limit
  nlohmann::json predicted;  // simulator figures, written by `cos plan`/`simulate`
};

// The request contexts (arenas) the runtime gives a tenant placed at `place`, so the most
// of its requests in progress at once: one per run of consecutive units (by index) with
// work on one processor, at least one. A pipeline of s stages needs s requests to keep
// every stage busy; a one-processor plan runs fastest with one (a request's activations
// stay in cache instead of taking turns with other arenas').
int request_contexts(const std::vector<int>& place, const std::function<bool(int unit)>& has_work);

// A plan with every unit unplaced (-1), ranks in topological order.
Plan empty_plan(const Problem& problem, const std::string& strategy);
// Throws cosched::Error if a unit is unplaced or placed where it cannot run.
void check_plan(const Problem& problem, const Plan& plan);

nlohmann::json to_json(const Problem& problem, const Plan& plan);
// Reads a plan file with its embedded problem; checks every unit, processor and model
// hash against it. Errors name the file.
std::pair<Problem, Plan> load_plan(const std::string& path);
void save_plan(const Problem& problem, const Plan& plan, const std::string& path);

}  // namespace cosched
