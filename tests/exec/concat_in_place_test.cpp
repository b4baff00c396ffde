// Concats whose inputs their producers write in place (Backend::in_place_inputs): no step
// copies, and every placement still gives the reference's result.
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

// squeezenet's fire module: a 1x1 squeeze, then a 1x1 and a 3x3 expand concatenated on
// channels, then a max pool; `expand_is_output` makes the 1x1 expand a graph output too.
Graph fire(int64_t expand_channels, bool expand_is_output) {
  ModelBuilder b("fire", 13);
  std::string x = b.input("x", {1, 8, 10, 10});
  std::string squeeze = b.relu(b.conv(x, 8, 1));
  std::string one = b.relu(b.conv(squeeze, expand_channels, 1));
  std::string three = b.relu(b.conv(squeeze, expand_channels, 3));
  b.output(b.max_pool(b.concat({one, three}, 1), 2, 2));
  if (expand_is_output) b.output(one);
  return import_model_bytes(b.serialize(), "fire");
}

// Two products side by side, concatenated on their last dim (plain rows of batch 1); where the
// first is not a whole number of 64-byte lines, the second would start unaligned.
Graph two_heads(int64_t left_width) {
  ModelBuilder b("heads", 13);
  std::string x = b.input("x", {1, 20});
  std::string left = b.linear(x, left_width);
  std::string right = b.linear(x, 10);
  b.output(b.relu(b.concat({left, right}, 1)));
  return import_model_bytes(b.serialize(), "heads");
}

bool copies_a_concat(const GraphExecutor& executor) {
  for (const auto& step : executor.steps())
    for (int n : step.nodes)
      if (executor.graph().nodes[n].op == "Concat") return true;
  return false;
}

void expect_as_reference(const Graph& graph, GraphExecutor& actual) {
  ReferenceBackend reference;
  GraphExecutor expected(graph, reference);
  const std::vector<Tensor> in = {test::random_input(graph.values[graph.inputs[0]], 5)};
  EXPECT_LT(test::worst_relative(expected.run(in), actual.run(in)), 1e-5);
}

TEST(ConcatInPlace, ProducersWriteIntoTheConcatAndMatchTheReference) {
  // Expands of 16 channels: whole channel blocks. Of 12: the blocks of 8 or 16 that
  // convolutions may choose would not be whole, so the copy may stay; the result holds.
  // Products 6 wide: the second would start 24 bytes in, off the plan's alignment.
  enum Expect { in_place, copy, either };
  for (auto [graph, expect] :
       {std::pair{fire(16, false), in_place}, std::pair{fire(12, false), either},
        std::pair{two_heads(16), in_place}, std::pair{two_heads(6), copy}}) {
    SCOPED_TRACE(graph.name + " " + std::to_string(graph.values[graph.outputs[0]].shape[1]));
    CpuBackend cpu(CoreSet::all());
    GraphExecutor actual(graph, cpu);
    expect_as_reference(graph, actual);
    if (expect != either) EXPECT_EQ(copies_a_concat(actual), expect == copy);
  }
}

TEST(ConcatInPlace, ACopyStaysWhereAnInputIsAGraphOutput) {
  Graph graph = fire(16, true);
  CpuBackend cpu(CoreSet::all());
  GraphExecutor actual(graph, cpu);
  EXPECT_TRUE(copies_a_concat(actual));
  expect_as_reference(graph, actual);
}

// The nodes in groups of three on two cpu backends in turn, and then on the stand-in device
// and a cpu backend: a concat whose inputs another backend writes copies them.
TEST(ConcatInPlace, ACopyStaysWhereAnotherBackendWritesAnInput) {
  Graph graph = fire(16, false);
  CpuBackend first(CoreSet::all()), second(CoreSet::all());
  test::HostAsDevice device(std::make_shared<test::DeviceMemory>());
  for (Backend* other : {static_cast<Backend*>(&second), static_cast<Backend*>(&device)})
    for (int parity : {0, 1}) {
      MixedPlacement placement = test::grouped_placement(
          graph, first, *other, [&](int group) { return group % 2 == parity; });
      GraphExecutor actual(graph, placement, nullptr);
      EXPECT_TRUE(copies_a_concat(actual));
      expect_as_reference(graph, actual);
    }
}

}  // namespace
}  // namespace cosched
