#include "cos/sched/sched_graph.h"

#include <algorithm>
#include <cmath>

#include "cos/common/error.h"

namespace cosched {

void SchedGraph::finalize(size_t processors) {
  const int n = static_cast<int>(units.size());
  if (n < 2 || units.front().name != "input" || units.back().name != "output") {
    fail("tenant graph '{}': must start with unit 'input' and end with unit 'output'", name);
  }
  for (const auto& unit : units) {
    if (unit.cost_ms.size() != processors) {
      fail("tenant graph '{}': unit '{}' has {} costs for {} processors", name, unit.name,
           unit.cost_ms.size(), processors);
    }
    bool runs_somewhere = false;
    for (double cost : unit.cost_ms) {
      if (std::isnan(cost) || cost < 0)
        fail("tenant graph '{}': unit '{}' has a negative cost", name, unit.name);
      runs_somewhere = runs_somewhere || cost < kUnsupported;
    }
    if (!runs_somewhere) fail("tenant graph '{}': unit '{}' runs on no processor", name, unit.name);
    if (unit.out_bytes < 0)
      fail("tenant graph '{}': unit '{}' has negative bytes", name, unit.name);
  }
  for (const auto& edge : edges) {
    if (edge.from < 0 || edge.to >= n || edge.from >= edge.to) {
      fail("tenant graph '{}': edge {}->{} is out of range or against topological order", name,
           edge.from, edge.to);
    }
  }
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(a.from, a.to) < std::tie(b.from, b.to);
  });
  edges.erase(
      std::unique(edges.begin(), edges.end(),
                  [](const Edge& a, const Edge& b) { return a.from == b.from && a.to == b.to; }),
      edges.end());
  preds.assign(n, {});
  succs.assign(n, {});
  for (const auto& edge : edges) {
    succs[edge.from].push_back(edge.to);
    preds[edge.to].push_back(edge.from);
  }
  for (int u = 1; u < n; ++u) {
    if (preds[u].empty()) fail("tenant graph '{}': unit '{}' has no input", name, units[u].name);
  }
  for (int u = 0; u + 1 < n; ++u) {
    if (succs[u].empty()) fail("tenant graph '{}': unit '{}' feeds nothing", name, units[u].name);
  }
  stages = decompose_stages(*this);
}

std::vector<Stage> decompose_stages(const SchedGraph& graph) {
  const int n = static_cast<int>(graph.units.size());
  // Sweep positions in order, tracking the edges that cross position i (from <= i < to).
  std::vector<int> open_count(n, 0);  // per source unit: its edges still crossing
  int crossing_sources = 0;
  std::vector<Stage> stages;
  int begin = 0;
  for (int i = 0; i < n; ++i) {
    for (int pred : graph.preds[i]) {
      if (--open_count[pred] == 0) --crossing_sources;
    }
    if (!graph.succs[i].empty()) {
      open_count[i] = static_cast<int>(graph.succs[i].size());
      ++crossing_sources;
    }
    // A cut after i: only unit i's output crosses to the rest.
    bool cut = crossing_sources == 0 || (crossing_sources == 1 && open_count[i] > 0);
    if (cut) {
      stages.push_back({begin, i + 1});
      begin = i + 1;
    }
  }
  if (begin < n) stages.push_back({begin, n});
  return stages;
}

nlohmann::json to_json(const SchedGraph& graph) {
  nlohmann::json units = nlohmann::json::array();
  for (const auto& unit : graph.units) {
    nlohmann::json costs = nlohmann::json::array();
    for (double cost : unit.cost_ms)
      costs.push_back(cost < kUnsupported ? nlohmann::json(cost) : nlohmann::json());
    nlohmann::json j = {
        {"name", unit.name}, {"op", unit.op}, {"cost_ms", costs}, {"out_bytes", unit.out_bytes}};
    if (!unit.nodes.empty()) j["nodes"] = unit.nodes;
    units.push_back(std::move(j));
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& edge : graph.edges) edges.push_back({edge.from, edge.to});
  return {{"name", graph.name}, {"units", units}, {"edges", edges}};
}

SchedGraph sched_graph_from_json(const nlohmann::json& json, size_t processors) {
  SchedGraph graph;
  try {
    graph.name = json.at("name").get<std::string>();
    for (const auto& u : json.at("units")) {
      Unit unit{.name = u.at("name").get<std::string>(), .op = u.value("op", "")};
      for (const auto& cost : u.at("cost_ms"))
        unit.cost_ms.push_back(cost.is_null() ? kUnsupported : cost.get<double>());
      unit.out_bytes = u.value("out_bytes", 0.0);
      unit.nodes = u.value("nodes", std::vector<int>{});
      graph.units.push_back(std::move(unit));
    }
    for (const auto& e : json.at("edges"))
      graph.edges.push_back({e.at(0).get<int>(), e.at(1).get<int>()});
  } catch (const nlohmann::json::exception& e) {
    fail("tenant graph '{}': {}", graph.name, e.what());
  }
  graph.finalize(processors);
  return graph;
}

}  // namespace cosched
