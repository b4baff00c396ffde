#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/onnx/import.h"
#include "exec/op_case.h"
#include "support/test_support.h"

namespace cosched {
namespace {

std::vector<float> floats(const Tensor& t) {
  return std::vector<float>(t.data<float>(), t.data<float>() + t.size());
}

// Runs one node on given input values (all runtime inputs).
std::vector<float> run_one(test::OpCase& c, const std::vector<std::vector<float>>& inputs) {
  Graph g = c.graph();
  std::vector<Tensor> tensors;
  for (size_t i = 0; i < inputs.size(); ++i)
    tensors.push_back(from_floats(inputs[i], g.values[g.inputs[i]].shape));
  ReferenceBackend reference;
  GraphExecutor executor(std::move(g), reference);
  return floats(executor.run(tensors).at(0));
}

// Slices of channels are views at an offset into their input's buffer: read by a later step,
// and as graph outputs, on the reference and cpu backends alike.
TEST(Reference, SliceViewsReadTheirBlockOfTheInput) {
  ModelBuilder b("halves", 1);
  std::string x = b.relu(b.input("x", {1, 6, 2, 2}));
  auto half = [&](int64_t start) {
    return b.node("Slice",
                  {x, b.constant_ints({start}), b.constant_ints({start + 3}), b.constant_ints({1})},
                  {1, 3, 2, 2});
  };
  std::string low = half(0), high = half(3);
  b.output(b.add(low, high));
  b.output(high);
  Graph graph = import_model_bytes(b.serialize(), "halves");
  ASSERT_TRUE(graph.nodes[2].is_view);
  std::vector<float> in(24);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i) - 4;
  ReferenceBackend reference;
  CpuBackend cpu(CoreSet::all());
  for (Backend* backend : std::vector<Backend*>{&reference, &cpu}) {
    GraphExecutor executor(graph, *backend);
    std::vector<Tensor> out = executor.run({from_floats(in, {1, 6, 2, 2})});
    const std::vector<float> sum = floats(out.at(0)), upper = floats(out.at(1));
    for (size_t i = 0; i < 12; ++i) {
      EXPECT_EQ(upper[i], std::max(in[12 + i], 0.0f)) << backend->name() << " " << i;
      EXPECT_EQ(sum[i], std::max(in[i], 0.0f) + std::max(in[12 + i], 0.0f)) << i;
    }
  }
}

TEST(Reference, ConvWithPaddingAndStride) {
  // 1x1x3x3 input, 2x2 kernel of ones, pad 1, stride 2: sums of the corners' windows.
  auto c = test::OpCase("Conv")
               .input({1, 1, 3, 3})
               .input({1, 1, 2, 2})
               .ints("pads", {1, 1, 1, 1})
               .ints("strides", {2, 2});
  EXPECT_EQ(run_one(c, {{1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 1, 1, 1}}),
            (std::vector<float>{1, 5, 11, 28}));
}

TEST(Reference, AveragePoolCountsPadOnlyWhenAsked) {
  auto exclude = test::OpCase("AveragePool")
                     .input({1, 1, 2, 2})
                     .ints("kernel_shape", {2, 2})
                     .ints("pads", {1, 1, 0, 0});
  EXPECT_EQ(run_one(exclude, {{1, 2, 3, 4}}), (std::vector<float>{1, 1.5, 2, 2.5}));
  auto include = test::OpCase("AveragePool")
                     .input({1, 1, 2, 2})
                     .ints("kernel_shape", {2, 2})
                     .ints("pads", {1, 1, 0, 0})
                     .attr("count_include_pad", int64_t{1});
  EXPECT_EQ(run_one(include, {{1, 2, 3, 4}}), (std::vector<float>{0.25, 0.75, 1, 2.5}));
}

TEST(Reference, MatMulBroadcastsBatch) {
  auto c = test::OpCase("MatMul").input({2, 1, 2}).input({2, 1});
  EXPECT_EQ(run_one(c, {{1, 2, 3, 4}, {10, 1}}), (std::vector<float>{12, 34}));
}

TEST(Reference, GemmTransposesAndScales) {
  auto c = test::OpCase("Gemm")
               .input({2, 1})
               .input({2, 2})
               .input({2})
               .attr("transA", int64_t{1})
               .attr("alpha", 2.0f)
               .attr("beta", 0.5f);
  // A^T = [1 2], B = [[1 0],[0 1]] -> [1 2] * 2 + [2 4] * 0.5.
  EXPECT_EQ(run_one(c, {{1, 2}, {1, 0, 0, 1}, {2, 4}}), (std::vector<float>{3, 6}));
}

TEST(Reference, BinaryBroadcastsBothWays) {
  auto c = test::OpCase("Sub").input({2, 1}).input({3});
  EXPECT_EQ(run_one(c, {{10, 20}, {1, 2, 3}}), (std::vector<float>{9, 8, 7, 19, 18, 17}));
}

TEST(Reference, SoftmaxAndReduceMean) {
  auto s = test::OpCase("Softmax").input({1, 2}).attr("axis", int64_t{-1});
  std::vector<float> p = run_one(s, {{0, std::log(3.0f)}});
  EXPECT_NEAR(p[0], 0.25, 1e-6);
  EXPECT_NEAR(p[1], 0.75, 1e-6);
  auto r = test::OpCase("ReduceMean").input({2, 3}).ints("axes", {1}).attr("keepdims", int64_t{0});
  EXPECT_EQ(run_one(r, {{1, 2, 3, 4, 5, 6}}), (std::vector<float>{2, 5}));
}

TEST(Reference, SlicePadTranspose) {
  auto s = test::OpCase("Slice")
               .input({5})
               .constant_ints({4})
               .constant_ints({0})
               .constant_ints({0})
               .constant_ints({-2});
  EXPECT_EQ(run_one(s, {{0, 1, 2, 3, 4}}), (std::vector<float>{4, 2}));
  auto p =
      test::OpCase("Pad").input({3}).constant_ints({2, 1}).attr("mode", std::string("reflect"));
  EXPECT_EQ(run_one(p, {{1, 2, 3}}), (std::vector<float>{3, 2, 1, 2, 3, 2}));
  auto t = test::OpCase("Transpose").input({2, 3}).ints("perm", {1, 0});
  EXPECT_EQ(run_one(t, {{1, 2, 3, 4, 5, 6}}), (std::vector<float>{1, 4, 2, 5, 3, 6}));
}

TEST(Reference, RunsTheSmallModel) {
  test::TempDir dir;
  test::small_model().save(dir.file("small.onnx"));
  ReferenceBackend reference;
  GraphExecutor executor(import_model(dir.file("small.onnx")), reference);
  Tensor input = make_tensor(DType::f32, {1, 3, 16, 16});
  std::vector<Tensor> out = executor.run({input});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Shape{1, 4}));
  EXPECT_GT(executor.memory().peak, 0);
  EXPECT_LT(executor.memory().peak, executor.memory().unshared);
}

TEST(Reference, WrongInputShapeNamesTheInput) {
  test::TempDir dir;
  test::small_model().save(dir.file("small.onnx"));
  ReferenceBackend reference;
  GraphExecutor executor(import_model(dir.file("small.onnx")), reference);
  try {
    executor.run({make_tensor(DType::f32, {1, 3, 8, 8})});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("input 'input'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cosched
