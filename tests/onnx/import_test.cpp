#include "cos/onnx/import.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/graph/cost.h"
#include "cos/models/builtin.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// Every value the builder made (and the graph kept) has the shape the builder computed.
void expect_builder_shapes(const ModelBuilder& builder) {
  Graph graph = import_model_bytes(builder.serialize(), "block.onnx");
  int compared = 0;
  for (const auto& value : graph.values) {
    ASSERT_TRUE(value.has_shape) << value.name;
    auto it = builder.shapes().find(value.name);
    if (it == builder.shapes().end()) continue;
    EXPECT_EQ(value.shape, it->second) << value.name;
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

ModelBuilder block_model(const std::string& block) {
  ModelBuilder b(block, 11);
  bool tokens = block == "attention";
  std::string x = b.input("input", tokens ? Shape{2, 16, 32} : Shape{2, 16, 12, 12});
  if (block == "conv") x = b.conv_block(x, 24, 3, 2);
  if (block == "residual") x = b.residual_block(x, 32, 2);
  if (block == "residual_same") x = b.residual_block(x, 16, 1);
  if (block == "depthwise") x = b.depthwise_block(x, 16, 1, 4);
  if (block == "depthwise_stride") x = b.depthwise_block(x, 24, 2, 6);
  if (block == "inception") x = b.inception_block(x, 8, 16, 8, 8);
  if (block == "attention") x = b.attention_block(x, 4);
  if (block == "shuffle") x = b.channel_shuffle(x, 4);
  b.output(x);
  return b;
}

class BlockShapes : public testing::TestWithParam<std::string> {};

TEST_P(BlockShapes, InferredShapesMatchBuilder) {
  expect_builder_shapes(block_model(GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Blocks, BlockShapes,
                         testing::Values("conv", "residual", "residual_same", "depthwise",
                                         "depthwise_stride", "inception", "attention", "shuffle"));

TEST(Import, BuiltinModelsAreStaticAndCounted) {
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name);
    ModelBuilder builder = model.build();
    expect_builder_shapes(builder);
    Graph graph = import_model_bytes(builder.serialize(), model.name);
    NodeCost total = total_cost(graph);
    EXPECT_GT(total.macs, 1000000);
    EXPECT_GE(total.flops, 2 * total.macs);
    EXPECT_GT(total.params, 1000);
  }
}

TEST(Import, ConvFlopsByHand) {
  ModelBuilder b("conv", 1);
  std::string x = b.input("input", {1, 4, 8, 8});
  b.output(b.conv(x, 6, 3, 2, 2, true));  // groups 2: each output sees 2 channels x 3 x 3
  Graph graph = import_model_bytes(b.serialize(), "conv.onnx");
  NodeCost cost = node_cost(graph, graph.nodes.at(0));
  EXPECT_EQ(cost.macs, 6 * 4 * 4 * (2 * 3 * 3));
  EXPECT_EQ(cost.flops, 2 * cost.macs + 6 * 4 * 4);
  EXPECT_EQ(cost.params, 6 * 2 * 3 * 3 + 6);
  EXPECT_EQ(cost.bytes_in, 4 * 8 * 8 * 4);
  EXPECT_EQ(cost.bytes_out, 6 * 4 * 4 * 4);
}

TEST(Import, ShapeOptionFixesSymbolicInput) {
  ModelBuilder b = test::small_model();
  onnx::ModelProto model = b.build();
  test::make_batch_symbolic(model);
  std::string bytes = model.SerializeAsString();
  EXPECT_THROW(import_model_bytes(bytes, "sym.onnx"), Error);
  ImportOptions options;
  options.input_shapes["input"] = {4, 3, 16, 16};
  Graph graph = import_model_bytes(bytes, "sym.onnx", options);
  EXPECT_EQ(graph.values[graph.outputs[0]].shape, (Shape{4, 4}));
  options.input_shapes["input"] = {4, 3, 17, 16};  // a fixed dim cannot change
  EXPECT_THROW(import_model_bytes(bytes, "sym.onnx", options), Error);
  options.input_shapes = {{"nope", {1}}};
  EXPECT_THROW(import_model_bytes(bytes, "sym.onnx", options), Error);
}

TEST(Import, OlderOpsetAttributesFold) {
  // Opset 11: Unsqueeze and Squeeze take axes as attributes.
  ModelBuilder b("opset11", 1, 11);
  std::string x = b.input("input", {1, 8, 4, 4});
  onnx::AttributeProto axes;
  axes.set_name("axes");
  axes.set_type(onnx::AttributeProto::INTS);
  axes.add_ints(0);
  std::string dims = b.node("Shape", {x}, {4});
  std::string scalar_index = b.constant_ints({1});
  std::string channel = b.node("Gather", {dims, scalar_index}, {1});
  std::string target =
      b.node("Concat", {b.constant_ints({1}), channel, b.constant_ints({16})}, {3}, {[] {
               onnx::AttributeProto a;
               a.set_name("axis");
               a.set_type(onnx::AttributeProto::INT);
               a.set_i(0);
               return a;
             }()});
  b.output(b.node("Reshape", {x, target}, {1, 8, 16}));
  Graph graph = import_model_bytes(b.serialize(), "opset11.onnx");
  ASSERT_EQ(graph.nodes.size(), 1u);
  EXPECT_EQ(graph.values[graph.outputs[0]].shape, (Shape{1, 8, 16}));
}

TEST(Import, OpsetsSevenToSeventeen) {
  for (int opset : {7, 9, 11, 13, 15, 17}) {
    ModelBuilder b("opsets", 5, opset);
    std::string x = b.input("input", {1, 3, 16, 16});
    x = b.residual_block(b.conv_block(x, 8, 3), 16, 2);
    b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 4));
    Graph graph = import_model_bytes(b.serialize(), "opsets.onnx");
    EXPECT_EQ(graph.opset, opset);
    EXPECT_EQ(graph.values[graph.outputs[0]].shape, (Shape{1, 4})) << "opset " << opset;
  }
  ModelBuilder b("opset6", 5, 6);
  b.output(b.relu(b.input("input", {1, 4})));
  EXPECT_THROW(import_model_bytes(b.serialize(), "opset6.onnx"), Error);
}

TEST(Import, ParseShape) {
  EXPECT_EQ(parse_shape("1x3x224x224"), (Shape{1, 3, 224, 224}));
  EXPECT_EQ(parse_shape("7"), (Shape{7}));
  for (const char* bad : {"", "x", "1x", "1xx2", "a", "1x-2", "0x3", "1x3 "}) {
    EXPECT_THROW(parse_shape(bad), Error) << bad;
  }
}

}  // namespace
}  // namespace cosched
