#pragma once

#include "cos/graph/graph.h"

namespace cosched {

// The width of the graph: the most nodes that can run at once, i.e. the largest set of
// nodes none of which depends on another (a maximum antichain, by Dilworth's theorem
// n minus a maximum matching in the reachability relation).
int graph_width(const Graph& graph);

}  // namespace cosched
