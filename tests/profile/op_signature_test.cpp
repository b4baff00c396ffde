#include "cos/profile/op_signature.h"

#include <gtest/gtest.h>

#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"

namespace cosched {
namespace {

// One conv (then relu) on a [1, 3, 16, 16] input; `seed` changes the weights only.
Graph conv_model(const std::string& name, uint64_t seed, int64_t stride, bool relu = true) {
  ModelBuilder b(name, seed);
  std::string x = b.conv(b.input("input", {1, 3, 16, 16}), 8, 3, stride);
  b.output(relu ? b.relu(x) : x);
  return import_model_bytes(b.serialize(), name + ".onnx");
}

TEST(OpSignature, EqualOpsInDifferentModelsShareAKey) {
  Graph a = conv_model("a", 1, 1), b = conv_model("b", 2, 1);
  OpSignature sa = op_signature(a, std::vector<int>{0}), sb = op_signature(b, std::vector<int>{0});
  EXPECT_EQ(sa.key, sb.key);  // other weights and names, same op
  EXPECT_EQ(sa.op, "Conv");
  EXPECT_EQ(sa.shapes, "1x3x16x16 -> 1x8x16x16");
  EXPECT_EQ(sa.key.size(), 16u);
}

TEST(OpSignature, AttributesShapesAndFusionChangeTheKey) {
  Graph s1 = conv_model("a", 1, 1), s2 = conv_model("a", 1, 2);
  EXPECT_NE(op_signature(s1, std::vector<int>{0}).key, op_signature(s2, std::vector<int>{0}).key);
  OpSignature fused = op_signature(s1, std::vector<int>{0, 1});
  EXPECT_EQ(fused.op, "Conv+Relu");
  EXPECT_NE(fused.key, op_signature(s1, std::vector<int>{0}).key);
  EXPECT_NE(fused.text.find("%0"), std::string::npos);  // the Relu reads the conv inside the step
}

TEST(OpSignature, ConstantInputsDifferFromRuntimeInputs) {
  ModelBuilder c("c", 1);
  c.output(c.add(c.input("x", {4, 4}), c.weight({4, 4}, 1)));
  ModelBuilder r("r", 1);
  r.output(r.add(r.input("x", {4, 4}), r.input("y", {4, 4})));
  Graph gc = import_model_bytes(c.serialize(), "c"), gr = import_model_bytes(r.serialize(), "r");
  OpSignature sc = op_signature(gc, std::vector<int>{0}),
              sr = op_signature(gr, std::vector<int>{0});
  EXPECT_NE(sc.key, sr.key);
  EXPECT_NE(sc.text.find("const"), std::string::npos);
}

}  // namespace
}  // namespace cosched
