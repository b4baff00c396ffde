#include "cos/exec/cpu/cpu_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <thread>

#include "cos/common/error.h"
#include "cos/exec/graph_executor.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"

namespace cosched {
namespace {

// The built-in models exercise fusion (Conv+Add+Relu, Conv+Clip, MatMul+Add) and views.
TEST(CpuBackend, BuiltinModelsMatchTheReference) {
  CpuBackend cpu(CoreSet::all());
  EXPECT_GT(test::check_builtin_models(cpu, 1e-4), 5);
}

TEST(CpuBackend, FusesConvAddReluIntoOneStep) {
  ModelBuilder b("residual", 1);
  std::string x = b.input("x", {1, 16, 8, 8});
  b.output(b.residual_block(x, 16, 1));
  CpuBackend cpu(CoreSet::all());
  GraphExecutor executor(import_model_bytes(b.serialize(), "residual"), cpu);
  bool conv_add_relu = false;
  for (const auto& step : executor.steps()) {
    std::string ops;
    for (int n : step.nodes) ops += executor.graph().nodes[n].op + " ";
    conv_add_relu = conv_add_relu || ops == "Conv Add Relu ";
  }
  EXPECT_TRUE(conv_add_relu);
}

TEST(CpuBackend, FusesTheGeluPatternIntoOneStep) {
  ModelBuilder b("gelu", 1);
  std::string x = b.input("x", {3, 64});
  const Shape shape = {3, 64};
  std::string d = b.node("Div", {x, b.constant({1.4142135f}, {})}, shape);
  std::string a = b.node("Add", {b.node("Erf", {d}, shape), b.constant({1.0f}, {})}, shape);
  b.output(b.node("Mul", {b.node("Mul", {x, a}, shape), b.constant({0.5f}, {})}, shape));
  Graph graph = import_model_bytes(b.serialize(), "gelu");
  CpuBackend cpu(CoreSet::all());
  ReferenceBackend reference;
  GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
  ASSERT_EQ(on_cpu.steps().size(), 1u);
  EXPECT_EQ(on_cpu.steps()[0].nodes.size(), 5u);
  Tensor input = test::random_input(graph.values[graph.inputs[0]], 4);
  std::vector<double> e = to_doubles(on_reference.run({input})[0]);
  std::vector<double> c = to_doubles(on_cpu.run({input})[0]);
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(c[i], e[i], 1e-5);
}

// SiLU as exporters write it: the conv output read by both the Sigmoid and the Mul.
TEST(CpuBackend, FusesConvSwishIntoOneStep) {
  ModelBuilder b("swish", 2);
  std::string c = b.conv(b.input("x", {1, 8, 10, 10}), 16, 3);
  b.output(b.mul(c, b.sigmoid(c)));
  Graph graph = import_model_bytes(b.serialize(), "swish");
  CpuBackend cpu(CoreSet::all());
  ReferenceBackend reference;
  GraphExecutor on_cpu(graph, cpu), on_reference(graph, reference);
  ASSERT_EQ(on_cpu.steps().size(), 1u);
  EXPECT_EQ(on_cpu.steps()[0].nodes.size(), 3u);
  Tensor input = test::random_input(graph.values[graph.inputs[0]], 5);
  std::vector<double> e = to_doubles(on_reference.run({input})[0]);
  std::vector<double> a = to_doubles(on_cpu.run({input})[0]);
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(a[i], e[i], 1e-4 * (1 + std::abs(e[i])));
}

TEST(CoreSet, ParsesAndNamesCoreSets) {
  EXPECT_EQ(CoreSet::parse("cpu:0").cores, std::vector<int>{0});
  EXPECT_EQ(CoreSet::parse("cpu:0").name(), "cpu:0");
  if (CoreSet::all().threads() >= 2) {
    EXPECT_EQ(CoreSet::parse("cpu:0-1").cores, (std::vector<int>{0, 1}));
    EXPECT_EQ(CoreSet::parse("cpu:1,0").name(), "cpu:0-1");
  }
  for (const char* bad : {"gpu:0", "cpu:", "cpu:a", "cpu:2-1", "cpu:9999"}) {
    try {
      CoreSet::parse(bad);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  }
}

// Pinning, checked through the affinity masks of the OpenMP team oneDNN will use:
// two executors on disjoint core sets, each on its own thread.
TEST(CoreSet, PinsEachTeamToItsCores) {
  if (CoreSet::all().threads() < 2) GTEST_SKIP() << "needs 2 cores";
  auto check = [](const std::string& text, std::vector<std::vector<int>>* masks) {
    pin_threads(CoreSet::parse(text));
    *masks = team_affinity();
  };
  std::vector<std::vector<int>> on0, on1, both;
  std::thread a(check, "cpu:0", &on0), b(check, "cpu:1", &on1), c(check, "cpu:0-1", &both);
  a.join();
  b.join();
  c.join();
  EXPECT_EQ(on0, (std::vector<std::vector<int>>{{0}}));
  EXPECT_EQ(on1, (std::vector<std::vector<int>>{{1}}));
  EXPECT_EQ(both, (std::vector<std::vector<int>>{{0}, {1}}));
}

}  // namespace
}  // namespace cosched
