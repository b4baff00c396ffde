#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "cos/sched/problem.h"
#include "cos/sched/strategy.h"

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
};

void add_problem_options(CLI::App* command, ProblemArgs& args);
Problem build_problem(const ProblemArgs& args);
StrategyOptions strategy_options(const ProblemArgs& args);

}  // namespace cosched::cli
