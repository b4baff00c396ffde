#pragma once

#include <CLI/CLI.hpp>
#include <set>
#include <string>
#include <vector>

#include "cos/sched/problem.h"
#include "cos/sched/strategy.h"

namespace cosched {
struct Profile;
}

namespace cosched::cli {

// The flags that say what to plan: a problem file, or a platform and models.
struct ProblemArgs {
  std::string problem;
  std::string platform;
  std::string profile;              // measured unit costs (cos profile)
  std::vector<std::string> models;  // PATH[:w=W][:slo=Xms]
  std::vector<std::string> shapes;
  double time_limit_s = 60;
  int max_segments = 0;
  std::string search = "local";  // cos phase 3: local or rl
  double budget_s = 3;           // cos: search budget
  uint64_t seed = 1;
  int clients = 0;  // plan for a closed loop of this many clients per tenant
  double rate = 0;  // plan for an open loop at this rate per tenant
};

void add_problem_options(CLI::App* command, ProblemArgs& args);
Problem build_problem(const ProblemArgs& args);
// Tenants from ONNX models (PATH[:w=W][:slo=Xms]) on `platform`, with costs from `profile`
// (loaded from args.profile, checked against `platform`) where given, named after the file
// stem (stem_2... for names in `taken`, which gains the new names).
std::vector<Tenant> build_tenants(const std::vector<std::string>& specs, const ProblemArgs& args,
                                  const Platform& platform, const Profile* profile,
                                  std::set<std::string>& taken);
StrategyOptions strategy_options(const ProblemArgs& args);
// The workload --clients / --rate ask to plan for, over the one `problem` has (a re-plan keeps
// the current plan's unless they are given).
void apply_workload(const ProblemArgs& args, Problem& problem);

}  // namespace cosched::cli
