#pragma once

#include <string>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

// Work per resource in one period (tenant i weighted by w_i): processors first, then
// links. The busiest one bounds the period from below.
struct Loads {
  std::vector<double> resource_ms;
  double busiest_ms = 0;
  int busiest = 0;
};

Loads compute_loads(const Problem& problem, const Placement& placement);
// The load one tenant adds to each resource under its placement `place`.
std::vector<double> tenant_loads(const Problem& problem, int tenant, const std::vector<int>& place);
std::string resource_name(const Problem& problem, int resource);
size_t resource_count(const Problem& problem);

// Latency of one request alone (no other work), following the placement: the critical
// path of unit costs, copies and switch latencies (branches on one processor are not
// serialised, so this is a lower bound).
double isolated_latency_ms(const Problem& problem, const Placement& placement, int tenant);

}  // namespace cosched
