#include "cos/profile/probe.h"

#include <algorithm>

#include "cos/graph/cost.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "cos/profile/stats.h"
#include "cos/profile/timed_run.h"

namespace cosched {
namespace {

// The best and the median time of the single step of `graph` over `runs`.
Spread time_step(const Graph& graph, const std::string& processor, int runs) {
  TimedRun timed(graph, processor);
  std::vector<double> samples, step_ms;
  for (int i = 0; i < runs + 2; ++i) {
    timed.run(&step_ms);
    if (i >= 2) samples.push_back(step_ms.at(0));
  }
  return summarize_spread(samples);
}

Graph build(ModelBuilder& b) {
  return import_model_bytes(b.serialize(), "probe");
}

}  // namespace

ProbeFigures probe_processor(const std::string& processor) {
  ProbeFigures figures;
  {
    ModelBuilder b("probe_matmul", 1);
    b.output(b.matmul(b.input("a", {512, 512}), b.weight({512, 512}, 0.05f)));
    Graph graph = build(b);
    double flops = static_cast<double>(node_cost(graph, graph.nodes.at(0)).flops);
    figures.peak_gflops = flops / (time_step(graph, processor, 10).min_ms * 1e6);
  }
  {
    ModelBuilder b("probe_add", 1);
    b.output(b.add(b.input("a", {1 << 22}), b.input("b", {1 << 22})));
    Graph graph = build(b);
    NodeCost cost = node_cost(graph, graph.nodes.at(0));
    double bytes = static_cast<double>(cost.bytes_in + cost.bytes_out);
    figures.mem_gbps = bytes / (time_step(graph, processor, 5).min_ms * 1e6);
  }
  {
    ModelBuilder b("probe_relu", 1);
    b.output(b.relu(b.input("a", {1, 16})));
    Graph graph = build(b);
    figures.launch_ms = time_step(graph, processor, 50).median_ms;
  }
  return figures;
}

}  // namespace cosched
