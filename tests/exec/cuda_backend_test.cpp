// The cuda backend: what it says without a GPU (runs everywhere), and, where a GPU is
// visible, the equivalence suite, the built-in models and the copy steps against the
// reference. GPU tests skip with a message where there is none.
#include <gtest/gtest.h>

#include <cmath>

#include "cos/common/error.h"
#include "cos/exec/backends.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/models/builtin.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"
#include "exec/equivalence_cases.h"
#ifdef COS_WITH_CUDA
#include "cos/exec/cuda/cuda_backend.h"
#endif

namespace cosched {
namespace {

TEST(CudaBackend, SaysWhetherItCanRunAndRefusesAbsentDevices) {
  std::vector<BackendAvailability> list = backend_availability();
  auto cuda = std::find_if(list.begin(), list.end(), [](auto& b) { return b.name == "cuda"; });
  ASSERT_NE(cuda, list.end());
  EXPECT_FALSE(cuda->detail.empty());
  EXPECT_EQ(cuda->available, cuda_device_count() > 0);
  std::printf("  cuda: %s (%s)\n", cuda->available ? "available" : "unavailable",
              cuda->detail.c_str());
  const std::string absent = fmt::format("cuda:{}", cuda_device_count());
  try {
    make_backend(absent);
    ADD_FAILURE() << absent << " was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(absent), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_backend("cuda:zero"), Error);
  EXPECT_THROW(make_backend("gpu:0"), Error);
}

#ifdef COS_WITH_CUDA

#define SKIP_WITHOUT_GPU()                                                   \
  if (cuda_device_count() == 0)                                              \
  GTEST_SKIP() << "no GPU visible here: the cuda backend is compiled only; " \
                  "tools/gpu-check.sh runs these tests on a GPU machine"

// Groups on cuda beside groups on the cpu backend in one graph (the runtime's units): the
// values crossing move by copy steps; the results are the reference's.
TEST(CudaBackend, RunsGroupsBesideCpuGroupsInOneGraph) {
  SKIP_WITHOUT_GPU();
  CudaBackend cuda(0);
  auto cpu = make_backend("cpu:0");
  test::check_mixed_builtin_models(
      *cpu, cuda, [](int g) { return g % 2 == 1; }, 1e-4);
}

TEST(CudaEquivalence, EveryOpMatchesTheReference) {
  SKIP_WITHOUT_GPU();
  CudaBackend cuda(0);
  int supported = 0;
  for (const test::Case& c : test::equivalence_cases()) {
    SCOPED_TRACE(c.name);
    test::OpCase op = c.make();
    const bool ran = op.check(cuda);
    supported += ran;
    std::printf("  %-32s %s\n", c.name, ran ? op.implementation(cuda).c_str() : "unsupported");
  }
  std::printf("  %d of %zu cases on cuda\n", supported, test::equivalence_cases().size());
  EXPECT_GE(supported, static_cast<int>(test::equivalence_cases().size()) - 2);
}

TEST(CudaBackend, BuiltinModelsMatchTheReference) {
  SKIP_WITHOUT_GPU();
  CudaBackend cuda(0);
  EXPECT_GT(test::check_builtin_models(cuda, 1e-4), 5);
}

// Runs `b`'s model on cuda and the reference; returns the cuda steps' node counts.
std::vector<size_t> check_against_reference(const ModelBuilder& b) {
  Graph graph = import_model_bytes(b.serialize(), "case");
  CudaBackend cuda(0);
  ReferenceBackend reference;
  GraphExecutor on_cuda(graph, cuda), on_reference(graph, reference);
  std::vector<Tensor> inputs = {test::random_input(graph.values[graph.inputs[0]], 4)};
  std::vector<double> e = to_doubles(on_reference.run(inputs)[0]),
                      a = to_doubles(on_cuda.run(inputs)[0]);
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(a[i], e[i], 1e-4 * (1 + std::abs(e[i])));
  std::vector<size_t> sizes;
  for (const auto& step : on_cuda.steps())
    if (!step.nodes.empty()) sizes.push_back(step.nodes.size());
  return sizes;
}

TEST(CudaBackend, FusesWrittenOutLayerNormAndBiasThenResidual) {
  SKIP_WITHOUT_GPU();
  ModelBuilder ln("ln", 2);
  std::string x = ln.input("x", {2, 7, 32});
  ln.output(ln.relu(ln.layer_norm_decomposed(x)));
  EXPECT_EQ(check_against_reference(ln), (std::vector<size_t>{9, 1}));  // one LN kernel
  ModelBuilder mlp("mlp", 3);
  x = mlp.input("x", {1, 9, 32});
  mlp.output(mlp.add(mlp.linear(x, 32), x));
  EXPECT_EQ(check_against_reference(mlp), (std::vector<size_t>{3}));  // MatMul+bias+residual
}

TEST(CudaBackend, InputsAndOutputsMoveThroughCopySteps) {
  SKIP_WITHOUT_GPU();
  CudaBackend cuda(0);
  const auto models = builtin_models();
  Graph graph = import_model_bytes(models.front().build().serialize(), models.front().name);
  GraphExecutor executor(graph, cuda);
  const auto& steps = executor.steps();
  ASSERT_GE(steps.size(), 3u);
  EXPECT_EQ(steps.front().implementation, "cuda:copy-h2d");
  EXPECT_TRUE(steps.front().nodes.empty());
  EXPECT_EQ(steps.back().implementation, "cuda:copy-d2h");
  // Twice with the same executor: the arena and staging buffers are reused correctly.
  std::vector<Tensor> inputs;
  for (int v : graph.inputs) inputs.push_back(test::random_input(graph.values[v], 9));
  // The second run records the kernels (a CUDA graph), the third replays the recording.
  std::vector<Tensor> first = executor.run(inputs), second = executor.run(inputs),
                      third = executor.run(inputs);
  EXPECT_EQ(first[0].bytes, second[0].bytes);
  EXPECT_EQ(first[0].bytes, third[0].bytes);
  std::vector<double> step_ms;
  std::vector<const void*> in = {inputs[0].bytes.data()};
  std::vector<void*> out = {first[0].bytes.data()};
  executor.run(in, out, &step_ms);
  EXPECT_EQ(step_ms.size(), steps.size());
}

#endif

}  // namespace
}  // namespace cosched
