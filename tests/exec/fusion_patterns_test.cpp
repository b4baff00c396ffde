#include "cos/exec/fusion_patterns.h"

#include <gtest/gtest.h>

#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"

namespace cosched {
namespace {

Graph layer_norm_model(bool affine) {
  ModelBuilder b("ln", 2);
  std::string x = b.input("x", {2, 5, 16});
  b.output(b.relu(b.layer_norm_decomposed(x, affine)));
  return import_model_bytes(b.serialize(), "ln");
}

const Node& first(const Graph& graph, const std::string& op) {
  for (const Node& node : graph.nodes)
    if (node.op == op) return node;
  throw std::runtime_error("no " + op);
}

TEST(FusionPatterns, FindsTheWrittenOutLayerNorm) {
  Graph affine = layer_norm_model(true);
  auto p = layer_norm_from(affine, first(affine, "ReduceMean"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->nodes.size(), 9u);
  EXPECT_EQ(p->nodes.back()->op, "Add");
  EXPECT_NEAR(p->epsilon, 1e-5f, 1e-9f);
  EXPECT_GE(p->scale, 0);
  EXPECT_GE(p->bias, 0);

  Graph plain = layer_norm_model(false);
  p = layer_norm_from(plain, first(plain, "ReduceMean"));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->nodes.size(), 7u);  // ends at the Div: the Relu is no affine step
  EXPECT_EQ(p->scale, -1);
  // The second ReduceMean (of the squares) starts no pattern.
  const Node* second = p->nodes[3];
  EXPECT_FALSE(layer_norm_from(plain, *second));
}

}  // namespace
}  // namespace cosched
