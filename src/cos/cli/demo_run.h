#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace cosched::cli {

// Detects this machine (its cores split in two cpu processors), profiles `models` there,
// plans them with every strategy, and prints each plan's simulated against its measured
// throughput (`seconds` of `cos run` each); writes the platform, profile, cos plan, its
// Gantt chart and both traces into `dir`.
void run_on_this_machine(const std::string& dir, const std::vector<std::string>& models,
                         double seconds, std::ostream& out, std::ostream& err);

}  // namespace cosched::cli
