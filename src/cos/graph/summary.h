#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cos/graph/cost.h"
#include "cos/graph/graph.h"

namespace cosched {

// What `cos inspect` reports of a graph.
struct NodeSummary {
  std::string name;
  std::string op;
  std::vector<Shape> inputs;  // activation inputs (constants are counted as params)
  std::vector<Shape> outputs;
  bool is_view = false;
  NodeCost cost;
};

struct GraphSummary {
  std::string name;
  int opset = 0;
  std::vector<NodeSummary> nodes;
  NodeCost totals;
  std::map<std::string, int> op_histogram;
  int width = 0;  // most nodes that can run at once
};

GraphSummary summarize(const Graph& graph);
nlohmann::json to_json(const GraphSummary& summary);

}  // namespace cosched
