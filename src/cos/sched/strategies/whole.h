#pragma once

#include <vector>

#include "cos/sched/problem.h"

namespace cosched {

// A tenant placed on processor p: every unit on p where it runs there, otherwise on the
// processor where it runs fastest (request input and output stay on a host processor).
std::vector<int> place_whole(const Problem& problem, int tenant, int processor);
// The fastest processor a unit runs on.
int fastest_processor(const Unit& unit);

}  // namespace cosched
