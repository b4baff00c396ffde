#pragma once

#include <cstdint>

#include "cos/graph/graph.h"

namespace cosched {

// Work and data of one node. `macs` counts the multiply-adds of Conv, Gemm and MatMul
// (what published model figures count); `flops` counts 2 per multiply-add plus one per
// element of other arithmetic. Views cost nothing.
struct NodeCost {
  int64_t macs = 0;
  int64_t flops = 0;
  int64_t params = 0;  // elements of floating-point constant inputs (weights)
  int64_t param_bytes = 0;
  int64_t bytes_in = 0;   // activations read (non-constant inputs)
  int64_t bytes_out = 0;  // activations written

  NodeCost& operator+=(const NodeCost& other);
};

NodeCost node_cost(const Graph& graph, const Node& node);
NodeCost total_cost(const Graph& graph);

}  // namespace cosched
