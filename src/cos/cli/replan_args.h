#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cos/cli/problem_args.h"
#include "cos/sched/plan.h"

namespace cosched::cli {

// What `cos plan --from` changes in a current plan.
struct ReplanArgs {
  std::string from;                 // the current plan
  std::vector<std::string> add;     // models to add: PATH[:w=W][:slo=Xms]
  std::vector<std::string> remove;  // tenant names to remove
  bool keep_others = false;         // the tenants that stay keep every unit where it is
};

// The problem of the plan `args.from` less the removed tenants plus the added ones (on
// its platform; costs from problem.profile when given), and the current placement of each
// tenant that stays (empty for the new ones). Errors name the file or the flag.
std::pair<Problem, Placement> replan_problem(const ReplanArgs& args, const ProblemArgs& problem);

}  // namespace cosched::cli
