#pragma once

#include "cos/graph/graph.h"
#include "cos/sched/platform.h"
#include "cos/sched/sched_graph.h"

namespace cosched {

// Roofline estimate of a node on a processor: launch cost plus the larger of compute time
// (FLOPs at peak) and memory time (bytes in, out and weights at full bandwidth). Views
// cost nothing. Stands in where no profile measured the processor.
double roofline_ms(const Graph& graph, const Node& node, const Processor& processor);

// The op IR graph as units: zero-cost views fused into their producer, an activation
// fused into a producer whose output feeds only it. A unit costs the sum of its nodes:
// `node_ms[p][node]` where given (measured costs from a profile, per processor of the
// platform and node of the graph; an empty vector for a processor it does not cover), else
// the roofline estimate. "input" and "output" units carry the model's inputs and outputs.
// `fused`, where given, lists node groups that a backend runs as one kernel (the profiled
// steps, a Conv with its residual Add say): each lies within one unit, so that the runtime
// fuses them as the profile measured them.
SchedGraph sched_graph_from_graph(const Graph& graph, const Platform& platform,
                                  const std::string& name,
                                  const std::vector<std::vector<double>>* node_ms = nullptr,
                                  const std::vector<std::vector<int>>* fused = nullptr);

}  // namespace cosched
