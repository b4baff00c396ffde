#include "exec/backend_checks.h"

#include <gtest/gtest.h>

#include <cmath>
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

}  // namespace cosched::test
