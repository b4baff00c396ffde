#pragma once

#include <ostream>
#include <string>

#include "cos/graph/summary.h"

namespace cosched::cli {

// The human-readable form of `cos inspect`: node table, totals, op histogram, width.
void print_inspect_report(const GraphSummary& summary, const std::string& label, std::ostream& out);

}  // namespace cosched::cli
