#pragma once

#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace cosched {

constexpr double kUnsupported = std::numeric_limits<double>::infinity();

// What the search places: a node of the op IR, or a group fused because splitting it
// never pays (a view, an activation after its producer). Request input and output are
// units too ("input", "output": free on host processors, unsupported elsewhere), so
// copies to and from a GPU are ordinary edges.
struct Unit {
  std::string name;
  std::string op;               // op type or class: "Conv", "matmul", "io"...
  std::vector<double> cost_ms;  // per processor; kUnsupported where it cannot run
  double out_bytes = 0;         // bytes a consumer on another processor needs copied
  std::vector<int> nodes;       // op IR node indices fused into the unit (may be empty)

  bool runs_on(int processor) const { return cost_ms[processor] < kUnsupported; }
};

struct Edge {
  int from = 0;
  int to = 0;
};

// A series-parallel stage: a range of units in topological order that begins after a
// point where one unit's output is all that crosses (a cut). A stage of one unit is
// serial; a wider one holds parallel branches.
struct Stage {
  int begin = 0;  // first unit
  int end = 0;    // one past the last
  bool parallel() const { return end - begin > 1; }
};

// One tenant's graph of units. Units are in topological order (every edge goes from a
// lower to a higher index), unit 0 is "input" and the last unit is "output".
struct SchedGraph {
  std::string name;
  std::vector<Unit> units;
  std::vector<Edge> edges;
  std::vector<std::vector<int>> preds;  // unit -> predecessor units (from finalize)
  std::vector<std::vector<int>> succs;
  std::vector<Stage> stages;

  // Checks the invariants above and the cost vectors' length, removes duplicate edges,
  // fills preds, succs and stages. Throws cosched::Error naming the graph and unit.
  void finalize(size_t processors);
};

// Splits the units at every cut: a position where all edges crossing it leave one unit.
std::vector<Stage> decompose_stages(const SchedGraph& graph);

nlohmann::json to_json(const SchedGraph& graph);
SchedGraph sched_graph_from_json(const nlohmann::json& json, size_t processors);

}  // namespace cosched
