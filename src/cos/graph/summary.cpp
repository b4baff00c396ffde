#include "cos/graph/summary.h"

#include "cos/graph/width.h"

namespace cosched {

GraphSummary summarize(const Graph& graph) {
  GraphSummary summary;
  summary.name = graph.name;
  summary.opset = graph.opset;
  for (const auto& node : graph.nodes) {
    NodeSummary row{
        .name = node.name, .op = node.op, .is_view = node.is_view, .cost = node_cost(graph, node)};
    for (int in : node.inputs) {
      if (in >= 0 && !graph.values[in].is_constant()) row.inputs.push_back(graph.values[in].shape);
    }
    for (int out : node.outputs) {
      if (out >= 0) row.outputs.push_back(graph.values[out].shape);
    }
    summary.totals += row.cost;
    ++summary.op_histogram[node.op];
    summary.nodes.push_back(std::move(row));
  }
  summary.width = graph_width(graph);
  return summary;
}

nlohmann::json to_json(const GraphSummary& summary) {
  using nlohmann::json;
  auto cost_json = [](const NodeCost& cost) {
    return json{{"macs", cost.macs},         {"flops", cost.flops},
                {"params", cost.params},     {"param_bytes", cost.param_bytes},
                {"bytes_in", cost.bytes_in}, {"bytes_out", cost.bytes_out}};
  };
  json nodes = json::array();
  for (const auto& node : summary.nodes) {
    json row = cost_json(node.cost);
    row["name"] = node.name;
    row["op"] = node.op;
    row["inputs"] = node.inputs;
    row["outputs"] = node.outputs;
    row["view"] = node.is_view;
    nodes.push_back(std::move(row));
  }
  json totals = cost_json(summary.totals);
  totals["nodes"] = summary.nodes.size();
  return json{{"model", summary.name}, {"opset", summary.opset},      {"nodes", nodes},
              {"totals", totals},      {"ops", summary.op_histogram}, {"width", summary.width}};
}

}  // namespace cosched
