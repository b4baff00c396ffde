#pragma once

#include <nlohmann/json.hpp>
#include <ostream>

#include "cos/sim/simulator.h"

namespace cosched::cli {

nlohmann::json sim_json(const Problem& problem, const SimResult& result);
// Per-tenant throughput and latency, then per-resource utilisation.
void print_sim_report(const Problem& problem, const SimResult& result, std::ostream& out);

}  // namespace cosched::cli
