#include "cos/sched/from_graph.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "cos/graph/cost.h"

namespace cosched {
namespace {

bool is_activation(const std::string& op) {
  static const std::set<std::string> ops = {"Relu",        "LeakyRelu", "Clip", "Sigmoid",
                                            "HardSigmoid", "HardSwish", "Tanh"};
  return ops.count(op) > 0;
}

// The node a node fuses into, or -1.
int fusion_target(const Graph& graph, int index) {
  const Node& node = graph.nodes[index];
  if (node.inputs.empty() || node.inputs[0] < 0) return -1;
  const Value& input = graph.values[node.inputs[0]];
  if (input.producer < 0) return -1;
  if (node.is_view) return input.producer;
  if (is_activation(node.op) && input.consumers.size() == 1 &&
      !graph.is_graph_output(node.inputs[0])) {
    return input.producer;
  }
  return -1;
}

}  // namespace

double roofline_ms(const Graph& graph, const Node& node, const Processor& processor) {
  if (node.is_view) return 0.0;
  NodeCost cost = node_cost(graph, node);
  double compute = static_cast<double>(cost.flops) / (processor.peak_gflops * 1e6);
  double memory = static_cast<double>(cost.bytes_in + cost.bytes_out + cost.param_bytes) /
                  (processor.mem_gbps * 1e6);
  return processor.launch_ms + std::max(compute, memory);
}

SchedGraph sched_graph_from_graph(const Graph& graph, const Platform& platform,
                                  const std::string& name,
                                  const std::vector<std::vector<double>>* node_ms,
                                  const std::vector<std::vector<int>>* fused) {
  const int n = static_cast<int>(graph.nodes.size());
  std::vector<int> group(n);  // union-find; a group's root is its first node
  std::iota(group.begin(), group.end(), 0);
  auto root = [&](int i) {
    while (group[i] != i) i = group[i] = group[group[i]];
    return i;
  };
  auto join = [&](int a, int b) {
    a = root(a), b = root(b);
    group[std::max(a, b)] = std::min(a, b);
  };
  for (int i = 0; i < n; ++i)
    if (int target = fusion_target(graph, i); target >= 0) join(i, target);
  if (fused)
    for (const auto& kernel : *fused)
      for (int node : kernel) join(node, kernel.front());
  for (int i = 0; i < n; ++i) group[i] = root(i);
  // Groups in order of their first node: a topological order of units. Unit 0 is "input".
  std::map<int, int> unit_of_group;
  for (int i = 0; i < n; ++i) {
    if (!unit_of_group.count(group[i]))
      unit_of_group.emplace(group[i], static_cast<int>(unit_of_group.size()) + 1);
  }
  SchedGraph sched;
  sched.name = name;
  std::vector<double> io_costs;
  for (const auto& p : platform.processors) io_costs.push_back(p.is_host() ? 0.0 : kUnsupported);
  sched.units.assign(unit_of_group.size() + 2, Unit{});
  sched.units.front() = {"input", "io", io_costs, 0, {}};
  const int output = static_cast<int>(sched.units.size()) - 1;
  sched.units.back() = {"output", "io", io_costs, 0, {}};
  std::vector<int> unit(n);
  for (int i = 0; i < n; ++i) {
    unit[i] = unit_of_group.at(group[i]);
    Unit& u = sched.units[unit[i]];
    if (u.nodes.empty()) {
      u.name = graph.nodes[i].name;
      u.op = graph.nodes[i].op;
      u.cost_ms.assign(platform.processors.size(), 0.0);
    } else {
      u.op += "+" + graph.nodes[i].op;
    }
    u.nodes.push_back(i);
    for (size_t p = 0; p < platform.processors.size(); ++p) {
      bool measured = node_ms && p < node_ms->size() && !(*node_ms)[p].empty();
      u.cost_ms[p] += measured ? (*node_ms)[p].at(i)
                               : roofline_ms(graph, graph.nodes[i], platform.processors[p]);
    }
  }
  // Edges and the bytes each unit sends to other units.
  std::vector<std::set<int>> sent(sched.units.size());  // values already counted per unit
  auto connect = [&](int from, int to, int value) {
    if (from == to) return;
    sched.edges.push_back({from, to});
    if (sent[from].insert(value).second)
      sched.units[from].out_bytes += static_cast<double>(graph.values[value].bytes());
  };
  for (int i = 0; i < n; ++i) {
    for (int in : graph.nodes[i].inputs) {
      if (in < 0 || graph.values[in].is_constant()) continue;
      int producer = graph.values[in].producer;
      connect(producer < 0 ? 0 : unit[producer], unit[i], in);
    }
  }
  for (int out : graph.outputs) {
    int producer = graph.values[out].producer;
    connect(producer < 0 ? 0 : unit[producer], output, out);
  }
  // A unit whose outputs all leave the graph unused still ends at "output".
  std::vector<bool> has_succ(sched.units.size(), false);
  for (const auto& edge : sched.edges) has_succ[edge.from] = true;
  for (int u = 1; u < output; ++u) {
    if (!has_succ[u]) sched.edges.push_back({u, output});
  }
  sched.finalize(platform.processors.size());
  return sched;
}

}  // namespace cosched
