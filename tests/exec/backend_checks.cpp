#include "exec/backend_checks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>

#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"

namespace cosched::test {

Tensor random_input(const Value& value, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1, 1);
  std::vector<float> data(static_cast<size_t>(element_count(value.shape)));
  for (auto& v : data) v = dist(rng);
  return from_floats(data, value.shape);
}

int check_builtin_models(Backend& backend, double tolerance) {
  ReferenceBackend reference;
  int fused = 0;
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name + " on " + backend.name());
    Graph graph = import_model_bytes(model.build().serialize(), model.name);
    std::vector<Tensor> inputs;
    for (int v : graph.inputs) inputs.push_back(random_input(graph.values[v], 3));
    GraphExecutor on_backend(graph, backend), on_reference(graph, reference);
    for (const auto& step : on_backend.steps()) fused += step.nodes.size() > 1;
    std::vector<Tensor> expected = on_reference.run(inputs), actual = on_backend.run(inputs);
    for (size_t i = 0; i < expected.size(); ++i) {
      std::vector<double> e = to_doubles(expected[i]), a = to_doubles(actual[i]);
      double worst = 0, scale = 1e-6;
      for (size_t k = 0; k < e.size(); ++k) {
        EXPECT_TRUE(std::isfinite(a[k])) << "output " << i << "[" << k << "]";
        worst = std::max(worst, std::abs(a[k] - e[k]));
        scale = std::max(scale, std::abs(e[k]));
      }
      EXPECT_LE(worst, tolerance * scale) << "output " << i;
    }
  }
  return fused;
}

// Groups of three nodes in order; a group on `device` where `on_device(group)` says so and
// the device supports every node of it. Each group ends before the next starts.
MixedPlacement grouped_placement(const Graph& graph, Backend& host, Backend& device,
                                 const std::function<bool(int)>& on_device) {
  MixedPlacement placement;
  const int n = static_cast<int>(graph.nodes.size()), groups = (n + 2) / 3;
  for (int i = 0; i < n; ++i) placement.group.push_back(i / 3);
  std::vector<bool> device_group(groups);
  for (int g = 0; g < groups; ++g) {
    device_group[g] = on_device(g);
    for (int i = 3 * g; i < std::min(n, 3 * g + 3); ++i)
      if (!device.supports(graph, graph.nodes[i])) device_group[g] = false;
  }
  for (int i = 0; i < n; ++i) placement.backend.push_back(device_group[i / 3] ? &device : &host);
  placement.group_before.assign(groups, std::vector<bool>(groups, false));
  for (int a = 0; a < groups; ++a)
    for (int b = a + 1; b < groups; ++b) placement.group_before[a][b] = true;
  return placement;
}

double worst_relative(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual) {
  double worst = 0;
  for (size_t o = 0; o < expected.size(); ++o) {
    const auto e = to_doubles(expected[o]), a = to_doubles(actual[o]);
    double scale = 1e-6;
    for (double x : e) scale = std::max(scale, std::abs(x));
    for (size_t i = 0; i < e.size(); ++i) {
      if (!std::isfinite(a[i])) return INFINITY;
      worst = std::max(worst, std::abs(a[i] - e[i]) / scale);
    }
  }
  return worst;
}

void check_mixed_builtin_models(Backend& host, Backend& device,
                                const std::function<bool(int)>& on_device, double tolerance) {
  ReferenceBackend reference;
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name + " on " + host.name() + " and " + device.name());
    Graph graph = import_model_bytes(model.build().serialize(), model.name);
    std::vector<Tensor> inputs;
    for (int v : graph.inputs) inputs.push_back(random_input(graph.values[v], 7));
    GraphExecutor mixed(graph, grouped_placement(graph, host, device, on_device), &reference);
    EXPECT_LE(worst_relative(GraphExecutor(graph, reference).run(inputs), mixed.run(inputs)),
              tolerance);
  }
}

}  // namespace cosched::test
