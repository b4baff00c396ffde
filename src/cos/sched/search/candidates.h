#pragma once

#include <vector>

#include "cos/sched/problem.h"

namespace cosched {

// One placement of one tenant, with the load it adds to each resource and its latency
// alone (critical path).
struct Candidate {
  std::vector<int> place;
  std::vector<double> loads;
  double latency_ms = 0;
};

// The candidate of one tenant's placement: its loads and its latency alone.
Candidate make_candidate(const Problem& problem, int tenant, std::vector<int> place);

// Phase 1 of the cos search. For each price vector (a weight per resource), dynamic
// programming over the tenant's series-parallel stages finds the placement of least
// priced load (exhaustively inside small stages, by coordinate descent inside large
// ones). The distinct results, minus the dominated ones, are the tenant's candidates.
std::vector<Candidate> tenant_candidates(const Problem& problem, int tenant,
                                         const std::vector<std::vector<double>>& prices,
                                         size_t max_candidates);

// Price vectors that favour or avoid each resource in turn, starting with uniform prices.
std::vector<std::vector<double>> exploration_prices(const Problem& problem);

// Resource loads of one candidate per tenant (`chosen[t]` of `candidates[t]`).
std::vector<double> selection_loads(const Problem& problem,
                                    const std::vector<std::vector<Candidate>>& candidates,
                                    const std::vector<int>& chosen);

// Prices that make the busiest of the given resource loads expensive.
std::vector<double> congestion_prices(const std::vector<double>& loads);

// Adds candidates to `pool` that are not already there and not dominated (within eps
// relative) by one that is; keeps at most `max_candidates`.
void merge_candidates(std::vector<Candidate>& pool, std::vector<Candidate> fresh,
                      size_t max_candidates);

}  // namespace cosched
