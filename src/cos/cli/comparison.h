#pragma once

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "cos/sched/strategy.h"

namespace cosched::cli {

// Runs the strategies on one problem and simulates each plan: the table of `cos compare`
// (or its JSON). Strategies that refuse the problem (exhaustive when too large) are
// listed with the reason unless `strict`, where the error propagates.
nlohmann::json compare_strategies(const Problem& problem, const StrategyOptions& options,
                                  const std::vector<std::string>& names, bool strict,
                                  std::ostream* table_out);

}  // namespace cosched::cli
