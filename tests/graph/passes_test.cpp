#include "cos/graph/passes.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/graph/const_eval.h"
#include "cos/graph/width.h"
#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "exec/backend_checks.h"
#include "support/test_support.h"

namespace cosched {
namespace {

Graph load(const ModelBuilder& builder, bool simplify) {
  ImportOptions options;
  options.simplify = simplify;
  return import_model_bytes(builder.serialize(), "test.onnx", options);
}

int count_op(const Graph& graph, const std::string& op) {
  int count = 0;
  for (const auto& node : graph.nodes) count += node.op == op;
  return count;
}

std::map<std::string, Shape> value_shapes(const Graph& graph) {
  std::map<std::string, Shape> shapes;
  for (const auto& value : graph.values) {
    if (value.has_shape && !value.is_constant()) shapes[value.name] = value.shape;
  }
  return shapes;
}

TEST(Passes, SimplifyKeepsShapesAndRemovesNodes) {
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name);
    Graph raw = load(model.build(), false);
    Graph simple = load(model.build(), true);
    bool foldable =
        count_op(raw, "BatchNormalization") + count_op(raw, "Shape") + count_op(raw, "Identity") >
        0;
    if (foldable) EXPECT_LT(simple.nodes.size(), raw.nodes.size());
    EXPECT_LE(simple.nodes.size(), raw.nodes.size());
    // Every value that survives has the shape it had before folding.
    // (The raw graph leaves values after runtime shape arithmetic unshaped.)
    auto before = value_shapes(raw);
    int compared = 0;
    for (const auto& [name, shape] : value_shapes(simple)) {
      if (!before.count(name)) continue;
      EXPECT_EQ(before[name], shape) << name;
      ++compared;
    }
    EXPECT_GT(compared, 5);
    ASSERT_EQ(simple.outputs.size(), 1u);
    EXPECT_EQ(simple.values[simple.outputs[0]].shape, raw.values[raw.outputs[0]].shape);
    EXPECT_EQ(count_op(simple, "BatchNormalization"), 0);
  }
}

TEST(Passes, ShapeArithmeticFoldsAway) {
  Graph graph = load(builtin_model("tiny_shufflenet").build(), true);
  for (const char* op : {"Shape", "Gather", "Unsqueeze", "Concat"}) {
    if (std::string(op) == "Concat") continue;  // the real channel Concat stays
    EXPECT_EQ(count_op(graph, op), 0) << op;
  }
  for (const auto& node : graph.nodes) {
    if (node.op == "Reshape") {
      EXPECT_TRUE(node.is_view);
      EXPECT_NE(graph.constant_input(node, 1), nullptr);
    }
  }
}

TEST(Passes, BatchNormFoldMatchesFormula) {
  ModelBuilder b("bn", 3);
  std::string x = b.input("input", {1, 2, 4, 4});
  b.output(b.batch_norm(b.conv(x, 3, 1, 1, 1, true)));
  Graph raw = load(b, false);
  Graph folded = fold_batchnorm(raw);
  ASSERT_EQ(folded.nodes.size(), 1u);
  const Node& conv = folded.nodes[0];
  ASSERT_EQ(conv.op, "Conv");
  EXPECT_EQ(folded.values[conv.outputs[0]].name, raw.values[raw.outputs[0]].name);
  const Node& raw_conv = raw.nodes[0];
  const Node& bn = raw.nodes[1];
  const Tensor& w0 = *raw.constant_input(raw_conv, 1);
  const Tensor& b0 = *raw.constant_input(raw_conv, 2);
  const Tensor& w1 = *folded.constant_input(conv, 1);
  const Tensor& b1 = *folded.constant_input(conv, 2);
  for (int c = 0; c < 3; ++c) {
    float gamma = raw.constant_input(bn, 1)->data<float>()[c];
    float beta = raw.constant_input(bn, 2)->data<float>()[c];
    float mean = raw.constant_input(bn, 3)->data<float>()[c];
    float var = raw.constant_input(bn, 4)->data<float>()[c];
    float scale = gamma / std::sqrt(var + 1e-5f);
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR(w1.data<float>()[c * 2 + k], w0.data<float>()[c * 2 + k] * scale, 1e-5);
    EXPECT_NEAR(b1.data<float>()[c], (b0.data<float>()[c] - mean) * scale + beta, 1e-5);
  }
}

TEST(Passes, DropIdentityKeepsOutputName) {
  ModelBuilder b("identity", 1);
  std::string x = b.input("input", {1, 4});
  std::string y = b.identity(b.relu(b.identity(x)));
  b.output(y);
  Graph graph = drop_identities(load(b, false));
  ASSERT_EQ(graph.nodes.size(), 1u);
  EXPECT_EQ(graph.nodes[0].op, "Relu");
  EXPECT_EQ(graph.values[graph.outputs[0]].name, y);
  EXPECT_EQ(graph.values[graph.nodes[0].inputs[0]].name, "input");
}

TEST(Passes, DropsPoolsOfOneElementWindows) {
  using A = std::vector<onnx::AttributeProto>;
  const auto one = ModelBuilder::attr("kernel_shape", std::vector<int64_t>{1, 1});
  const auto unit_strides = ModelBuilder::attr("strides", std::vector<int64_t>{1, 1});
  ModelBuilder b("pools", 13);
  std::string x = b.input("input", {1, 4, 6, 6});
  x = b.node("AveragePool", {x}, {1, 4, 6, 6}, A{one, unit_strides});  // dropped
  x = b.node("MaxPool", {x}, {1, 4, 6, 6}, A{one});                    // dropped
  x = b.node("MaxPool", {x}, {1, 4, 3, 3},
             A{one, ModelBuilder::attr("strides", std::vector<int64_t>{2, 2})});  // subsamples
  x = b.node("AveragePool", {x}, {1, 4, 1, 1},
             A{ModelBuilder::attr("kernel_shape", std::vector<int64_t>{3, 3})});
  b.output(x);
  Graph graph = drop_identities(load(b, false));
  ASSERT_EQ(graph.nodes.size(), 2u);
  EXPECT_EQ(graph.nodes[0].op, "MaxPool");
  EXPECT_EQ(graph.values[graph.nodes[0].inputs[0]].name, "input");
  EXPECT_EQ(graph.nodes[1].op, "AveragePool");
}

// A Slice is a view when its result is one block of its input's bytes: one axis sliced with
// step 1 and every dim before that axis 1.
TEST(Passes, MarksContiguousSlicesAsViewsAtTheirOffset) {
  struct Case {
    Shape x;
    int64_t start, end, axis, step;
    Shape y;
    int64_t view_offset;  // -1: not a view
  };
  const std::vector<Case> cases = {
      {{1, 8, 2, 2}, 2, 6, 1, 1, {1, 4, 2, 2}, 2 * 4 * 4},  // channels of a batch-1 tensor
      {{1, 8, 3, 3}, 1, 3, 2, 1, {1, 8, 2, 3}, -1},         // rows: a gap after each channel
      {{1, 8, 3, 3}, 0, 8, 1, 2, {1, 4, 3, 3}, -1},         // every other channel
      {{2, 8, 3, 3}, 2, 6, 1, 1, {2, 4, 3, 3}, -1},         // two batches: two blocks
      {{2, 8, 3, 3}, 1, 2, 0, 1, {1, 8, 3, 3}, 8 * 9 * 4},  // the second batch
      {{1, 8, 3, 3}, 0, 8, 1, 1, {1, 8, 3, 3}, 0},          // all of it
      {{1, 8, 3, 3}, -2, 100, 3, 1, {1, 8, 3, 2}, -1},      // columns
      {{1, 8, 3, 3}, 1, 2, 1, 1, {1, 1, 3, 3}, -1},         // 36 bytes in: unaligned
      {{1, 8, 2, 2}, 1, 2, 1, 1, {1, 1, 2, 2}, 16},         // 16 bytes in
  };
  for (const Case& c : cases) {
    ModelBuilder b("slice", 1);
    std::string x = b.relu(b.input("x", c.x));
    b.output(b.node("Slice",
                    {x, b.constant_ints({c.start}), b.constant_ints({c.end}),
                     b.constant_ints({c.axis}), b.constant_ints({c.step})},
                    c.y));
    Graph graph = load(b, true);
    const Node& slice = graph.nodes.back();
    ASSERT_EQ(slice.op, "Slice");
    EXPECT_EQ(slice.is_view, c.view_offset >= 0) << shape_string(c.x) << " axis " << c.axis;
    if (c.view_offset >= 0) EXPECT_EQ(slice.view_offset, c.view_offset);
  }
}

// A Transpose that only moves dimensions of size 1 keeps the elements in order: a view,
// whose output (its input's memory) matches the reference's Transpose.
TEST(Passes, TransposesOfSizeOneDimensionsAreViews) {
  struct Case {
    Shape x;
    std::vector<int64_t> perm;  // empty: the default, reversed
    bool view;
  };
  const std::vector<Case> cases = {
      {{1, 197, 8}, {1, 0, 2}, true},      // vit's batch of 1 and its tokens swapped
      {{197, 1, 8}, {1, 0, 2}, true},      // and back
      {{1, 3, 1, 4}, {2, 0, 1, 3}, true},  // two of size 1 moved
      {{1, 4}, {}, true},                  // reversed
      {{2, 3, 4}, {1, 0, 2}, false},
      {{3, 1, 4}, {2, 1, 0}, false},
      {{3, 4}, {}, false},
  };
  ReferenceBackend reference;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_string(c.x));
    ModelBuilder b("transpose", 1);
    std::string x = b.relu(b.input("x", c.x));
    b.output(b.relu(c.perm.empty() ? b.node("Transpose", {x}, Shape(c.x.rbegin(), c.x.rend()))
                                   : b.transpose(x, c.perm)));
    Graph graph = load(b, true);
    const Node& transpose = graph.nodes[1];
    ASSERT_EQ(transpose.op, "Transpose");
    EXPECT_EQ(transpose.is_view, c.view);
    Tensor input = test::random_input(graph.values[graph.inputs[0]], 4);
    Graph plain = graph;
    plain.nodes[1].is_view = false;
    EXPECT_EQ(test::worst_relative(GraphExecutor(plain, reference).run({input}),
                                   GraphExecutor(graph, reference).run({input})),
              0.0);
  }
}

TEST(Passes, FoldingIsDeterministic) {
  Graph a = load(builtin_model("tiny_transformer").build(), true);
  Graph b = load(builtin_model("tiny_transformer").build(), true);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) EXPECT_EQ(a.nodes[i].name, b.nodes[i].name);
}

TEST(ConstEval, SliceGatherConcatReshape) {
  Node slice{.name = "s", .op = "Slice"};
  Tensor data = from_ints({0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {10});
  Tensor starts = from_ints({-3}, {1}), ends = from_ints({INT64_MAX}, {1});
  auto out = evaluate_constant(slice, {&data, &starts, &ends}, 13);
  ASSERT_TRUE(out);
  EXPECT_EQ(to_ints((*out)[0]), (std::vector<int64_t>{7, 8, 9}));
  Tensor back_starts = from_ints({8}, {1}), back_ends = from_ints({INT64_MIN}, {1});
  Tensor axes = from_ints({0}, {1}), steps = from_ints({-3}, {1});
  out = evaluate_constant(slice, {&data, &back_starts, &back_ends, &axes, &steps}, 13);
  EXPECT_EQ(to_ints((*out)[0]), (std::vector<int64_t>{8, 5, 2}));

  Node gather{.name = "g", .op = "Gather"};
  Tensor matrix = from_ints({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor index = from_ints({-1}, {});
  gather.attrs["axis"] = int64_t{1};
  out = evaluate_constant(gather, {&matrix, &index}, 13);
  EXPECT_EQ((*out)[0].shape, (Shape{2}));
  EXPECT_EQ(to_ints((*out)[0]), (std::vector<int64_t>{3, 6}));

  Node reshape{.name = "r", .op = "Reshape"};
  Tensor target = from_ints({0, -1}, {2});
  out = evaluate_constant(reshape, {&matrix, &target}, 13);
  EXPECT_EQ((*out)[0].shape, (Shape{2, 3}));
  Tensor bad = from_ints({4, -1}, {2});
  EXPECT_THROW(evaluate_constant(reshape, {&matrix, &bad}, 13), Error);
}

TEST(ConstEval, BroadcastArithmetic) {
  Node add{.name = "a", .op = "Add"};
  Tensor a = from_floats({1, 2, 3}, {3});
  Tensor b = from_floats({10, 20}, {2, 1});
  auto out = evaluate_constant(add, {&a, &b}, 13);
  ASSERT_TRUE(out);
  EXPECT_EQ((*out)[0].shape, (Shape{2, 3}));
  EXPECT_EQ(to_doubles((*out)[0]), (std::vector<double>{11, 12, 13, 21, 22, 23}));
  Tensor c = from_floats({1, 2}, {2});
  EXPECT_THROW(evaluate_constant(add, {&a, &c}, 13), Error);
  Node div{.name = "d", .op = "Div"};
  Tensor seven = from_ints({7, -7}, {2}), two = from_ints({2}, {1});
  out = evaluate_constant(div, {&seven, &two}, 13);
  EXPECT_EQ(to_ints((*out)[0]), (std::vector<int64_t>{3, -3}));
  Node mod{.name = "m", .op = "Mod"};  // integers: the sign of the divisor, as Python's %
  out = evaluate_constant(mod, {&seven, &two}, 13);
  EXPECT_EQ(to_ints((*out)[0]), (std::vector<int64_t>{1, 1}));
  Tensor x = from_floats({7.5f, -7.5f}, {2}), y = from_floats({2}, {1});
  out = evaluate_constant(mod, {&x, &y}, 13);  // floats: C's fmod
  EXPECT_EQ(to_doubles((*out)[0]), (std::vector<double>{1.5, -1.5}));
}

TEST(ConstEval, HalfRoundTrip) {
  for (float v : {0.0f, 1.0f, -2.5f, 65504.0f, 6.1e-5f, 1e-7f, 0.333251953125f}) {
    EXPECT_NEAR(half_to_float(float_to_half(v)), v, std::fabs(v) * 1e-3 + 1e-7) << v;
  }
}

TEST(Width, ChainForkAndInception) {
  ModelBuilder chain("chain", 1);
  std::string x = chain.input("input", {1, 4});
  chain.output(chain.relu(chain.relu(chain.relu(x))));
  EXPECT_EQ(graph_width(load(chain, false)), 1);

  ModelBuilder fork("fork", 1);
  std::string y = fork.input("input", {1, 4});
  std::string a = fork.relu(y), b = fork.sigmoid(y), c = fork.relu(y);
  fork.output(fork.add(fork.add(a, b), c));
  EXPECT_EQ(graph_width(load(fork, false)), 3);

  ModelBuilder inception("inception", 1);
  std::string z = inception.input("input", {1, 8, 8, 8});
  inception.output(inception.inception_block(z, 4, 4, 4, 4));
  // Four branches; the two-conv branches can run both convs' worth of parallelism.
  EXPECT_EQ(graph_width(load(inception, true)), 4);
}

}  // namespace
}  // namespace cosched
