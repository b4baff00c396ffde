#include "cos/cli/replan_args.h"

#include <algorithm>
#include <optional>

#include "cos/common/error.h"
#include "cos/profile/profile_costs.h"

namespace cosched::cli {

std::pair<Problem, Placement> replan_problem(const ReplanArgs& args, const ProblemArgs& problem) {
  if (!problem.problem.empty() || !problem.platform.empty() || !problem.models.empty())
    fail(
        "--from takes the problem from the plan: give --add/--remove, not --problem, "
        "--platform or --model");
  if (args.add.empty() && args.remove.empty())
    fail("--from {}: give --add MODEL or --remove TENANT", args.from);
  auto [current, plan] = load_plan(args.from);
  Problem next;
  next.platform = current.platform;
  next.workload = current.workload;
  apply_workload(problem, next);
  std::set<std::string> taken;
  for (const auto& name : args.remove) {
    bool known = std::any_of(current.tenants.begin(), current.tenants.end(),
                             [&](const Tenant& t) { return t.name == name; });
    if (!known) fail("--remove {}: {} has no tenant of that name", name, args.from);
  }
  Placement previous;
  for (size_t t = 0; t < current.tenants.size(); ++t) {
    const Tenant& tenant = current.tenants[t];
    if (std::find(args.remove.begin(), args.remove.end(), tenant.name) != args.remove.end())
      continue;
    next.tenants.push_back(tenant);
    previous.push_back(plan.placement[t]);
    taken.insert(tenant.name);
  }
  std::optional<Profile> profile;
  if (!problem.profile.empty()) {  // costs of the added models
    profile = load_profile(problem.profile);
    check_profile_platform(*profile, problem.profile, next.platform);
  }
  std::vector<Tenant> added =
      build_tenants(args.add, problem, next.platform, profile ? &*profile : nullptr, taken);
  for (Tenant& tenant : added) {
    next.tenants.push_back(std::move(tenant));
    previous.emplace_back();  // new: no current placement
  }
  if (next.tenants.empty()) fail("--remove: no tenant would remain in {}", args.from);
  next.name = next.tenants.front().name + (next.tenants.size() > 1 ? "+..." : "");
  return {std::move(next), std::move(previous)};
}

}  // namespace cosched::cli
