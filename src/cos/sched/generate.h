#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cos/sched/problem.h"

namespace cosched {

// Synthetic problems: random series-parallel tenant graphs (chains, fork-joins,
// Inception-like and attention-like blocks) with per-op-class cost ratios between
// processors and realistic tensor sizes, on a CPU-only or a CPU+GPU platform.
// Suites: "tiny" (exhaustive search feasible), "small" (MILP solves to optimality),
// "medium", "large".
std::vector<std::string> suite_names();
int default_suite_size(const std::string& suite);
// Instance `index` of a suite; the same (suite, seed, index) always gives the same problem.
Problem generate_problem(const std::string& suite, uint64_t seed, int index);
// A CPU+GPU problem of about `units` units in all (tenants of about 200 units each), for
// measuring how search time grows.
Problem generate_sized(int units, uint64_t seed);

}  // namespace cosched
