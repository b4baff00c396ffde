#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cos/sched/plan.h"

namespace cosched {

// Plans the search found or started from, each named by where it came from.
using Contenders = std::vector<std::pair<std::string, Plan>>;

// Adds each placement as a plan of strategy "cos" named "local optimum i from `start`".
void add_optima(const Problem& problem, std::vector<Placement> optima, const std::string& start,
                Contenders& contenders);

struct Pick {
  Plan plan;           // placement and ranks of the winner, strategy "cos", reasons empty
  std::string origin;  // its name among the contenders
  double period_ms = 0;
  bool meets_slos = false;
  std::string evidence;  // why it won, for the plan's reasons: "simulated 12.345 ms"
};

// A contender's simulated figures (the problem's workload).
struct Ranked {
  size_t index = 0;  // into the contenders
  double period_ms = 0;
  bool meets_slos = false;
  double weighted_throughput_per_s = 0;  // the simulation's (the weighted mix)
  int inflight = 0;                      // saturate: the rounds it kept in flight
};

// Whether `a` simulates better than `b`: it meets every SLO where `b` does not, or as they
// both do or fail to, it has the shorter period.
bool ranks_before(const Ranked& a, const Ranked& b);

// The contenders with distinct plans, simulated, best first (ranks_before; the first on ties).
std::vector<Ranked> rank_by_simulation(const Problem& problem, const Contenders& contenders);

// The simulator has the last word: the contender that meets every SLO with the shortest
// simulated period (the shortest period where none meets them all); the first on ties. It
// simulates the problem's workload: under a closed or open loop the period is the one the
// tenants' throughputs imply (the slowest tenant relative to its weight).
Pick pick_by_simulation(const Problem& problem, const Contenders& contenders);

}  // namespace cosched
