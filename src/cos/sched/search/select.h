#pragma once

#include <vector>

#include "cos/sched/search/candidates.h"

namespace cosched {

// Phase 2 of the cos search: one candidate per tenant so that the busiest resource is
// least loaded, among the candidates whose latency alone meets the tenant's SLO (all of
// them where none does). Solved exactly, by enumeration where the combinations are few, else as a
// small MILP; returns the index per tenant.
std::vector<int> select_candidates(const Problem& problem,
                                   const std::vector<std::vector<Candidate>>& candidates,
                                   double time_limit_s);

}  // namespace cosched
