#include "cos/exec/cpu/strided_views.h"

#include <gtest/gtest.h>

#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"
#include "support/host_device.h"

namespace cosched {
namespace {

TEST(StridedViews, RestridesWhereStridesCanReachTheElements) {
  // vit's q: 768 of each token's 2304 values, split into 12 heads of 64.
  EXPECT_EQ(restrided({197, 1, 768}, {2304, 2304, 1}, {197, 12, 64}),
            (std::vector<int64_t>{2304, 64, 1}));
  EXPECT_EQ(restrided({2, 3, 4}, {12, 4, 1}, {6, 4}), (std::vector<int64_t>{4, 1}));
  EXPECT_EQ(restrided({12, 64}, {64, 1}, {12, 1, 64}), (std::vector<int64_t>{64, 64, 1}));
  EXPECT_TRUE(restrided({3, 2}, {1, 3}, {6}).empty());    // a transposed matrix flattened
  EXPECT_TRUE(restrided({4, 8}, {16, 1}, {32}).empty());  // rows with gaps between them
  EXPECT_TRUE(restrided({2, 3}, {3, 1}, {7}).empty());    // another element count
  EXPECT_EQ(restrided({4, 8}, {16, 1}, {4, 2, 4}), (std::vector<int64_t>{16, 4, 1}));
}

// vit_b_16's attention written small: q, k and v sliced out of one product, split into heads
// and transposed, q divided by a scalar, softmax(q k^T) v, transposed back.
Graph attention(int64_t tokens, int64_t heads, int64_t head_dim, bool relu_reads_k) {
  const int64_t dim = heads * head_dim;
  ModelBuilder b("attention", 13);
  std::string x = b.input("x", {tokens, 1, dim});
  std::string qkv = b.linear(x, 3 * dim);
  auto part = [&](int64_t i, const std::vector<int64_t>& perm) {
    std::string slice = b.node(
        "Slice",
        {qkv, b.constant_ints({i * dim}), b.constant_ints({(i + 1) * dim}), b.constant_ints({2})},
        {tokens, 1, dim});
    return b.transpose(b.reshape(slice, {tokens, heads, head_dim}), perm);
  };
  std::string q =
      b.node("Div", {part(0, {1, 0, 2}), b.constant({8.0f}, {})}, {heads, tokens, head_dim});
  std::string k = part(1, {1, 2, 0});
  std::string v = part(2, {1, 0, 2});
  std::string scores = b.softmax(b.matmul(q, k), -1);
  std::string context = b.transpose(b.matmul(scores, v), {1, 0, 2});
  b.output(b.linear(b.reshape(context, {tokens, dim}), dim));
  if (relu_reads_k) b.output(b.relu(k));
  return import_model_bytes(b.serialize(), "attention");
}

std::string step_ops(const GraphExecutor& executor) {
  std::string ops;
  for (const auto& step : executor.steps()) {
    if (step.nodes.empty()) continue;  // a copy between host and device
    for (int n : step.nodes) ops += executor.graph().nodes[n].op + "+";
    ops.back() = ' ';
  }
  return ops;
}

std::vector<Tensor> inputs_of(const Graph& graph) {
  return {test::random_input(graph.values[graph.inputs[0]], 7)};
}

TEST(StridedViews, AttentionReadsItsHeadsInPlaceAndMatchesTheReference) {
  for (int64_t tokens : {5, 17}) {
    Graph graph = attention(tokens, 3, 8, false);
    ReferenceBackend reference;
    CpuBackend cpu(CoreSet::all());
    GraphExecutor expected(graph, reference), actual(graph, cpu);
    const std::string ops = step_ops(actual);
    SCOPED_TRACE(ops);
    EXPECT_EQ(ops.find("Slice"), std::string::npos);
    EXPECT_EQ(ops.find("Transpose"), std::string::npos);
    EXPECT_NE(ops.find("Div+MatMul "), std::string::npos);
    int on_strides = 0;
    for (const auto& step : actual.steps())
      on_strides += step.implementation.find("on strides") != std::string::npos;
    EXPECT_EQ(on_strides, 2);
    const auto in = inputs_of(graph);
    EXPECT_LT(test::worst_relative(expected.run(in), actual.run(in)), 1e-5);
  }
}

TEST(StridedViews, ACopyStaysWhereAnotherOpReadsTheTransposedData) {
  Graph graph = attention(9, 2, 8, true);  // a Relu also reads k's transpose
  ReferenceBackend reference;
  CpuBackend cpu(CoreSet::all());
  GraphExecutor expected(graph, reference), actual(graph, cpu);
  const std::string ops = step_ops(actual);
  EXPECT_NE(ops.find("Transpose "), std::string::npos) << ops;
  const auto in = inputs_of(graph);
  EXPECT_LT(test::worst_relative(expected.run(in), actual.run(in)), 1e-5);
}

// Two cpu backends, the nodes in groups of three alternately on each: views planned by one
// are read by the other, and the scale and its product may fall into separate groups.
TEST(StridedViews, ViewsCrossCpuBackendsAndUnfusedScales) {
  Graph graph = attention(11, 3, 8, false);
  ReferenceBackend reference;
  CpuBackend first(CoreSet::all()), second(CoreSet::all());
  for (int parity : {0, 1}) {
    MixedPlacement placement = test::grouped_placement(
        graph, first, second, [&](int group) { return group % 2 == parity; });
    GraphExecutor expected(graph, reference), actual(graph, placement, nullptr);
    const auto in = inputs_of(graph);
    EXPECT_LT(test::worst_relative(expected.run(in), actual.run(in)), 1e-5) << step_ops(actual);
  }
}

// q, k and v computed on a device: the host gets a copy of each slice alone, so the cpu
// backend copies them as before instead of reading them through strides over the product.
TEST(StridedViews, NoViewsOfWhatADeviceComputes) {
  Graph graph = attention(7, 2, 8, false);
  int first_slice = 0;
  while (graph.nodes[first_slice].op != "Slice") ++first_slice;
  CpuBackend cpu(CoreSet::all());
  test::HostAsDevice device(std::make_shared<test::DeviceMemory>());
  MixedPlacement placement;
  for (int i = 0; i < static_cast<int>(graph.nodes.size()); ++i) {
    placement.backend.push_back(i < first_slice ? static_cast<Backend*>(&device) : &cpu);
    placement.group.push_back(i < first_slice ? 0 : 1);
  }
  placement.group_before = {{false, true}, {false, false}};
  ReferenceBackend reference;
  GraphExecutor expected(graph, reference), actual(graph, placement, nullptr);
  const std::string ops = step_ops(actual);
  EXPECT_NE(ops.find("Slice"), std::string::npos) << ops;
  const auto in = inputs_of(graph);
  EXPECT_LT(test::worst_relative(expected.run(in), actual.run(in)), 1e-5) << ops;
}

}  // namespace
}  // namespace cosched
