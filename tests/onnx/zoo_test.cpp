#include <gtest/gtest.h>

#include "cos/graph/cost.h"
#include "cos/onnx/import.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// Published multiply-adds of the torchvision models (batch 1, 224x224).
struct Published {
  const char* name;
  double gmacs;
};

TEST(Zoo, MacsMatchPublishedFigures) {
  std::string dir = test::zoo_dir();
  if (dir.empty()) GTEST_SKIP() << "models/ not exported; run `make models` to check the zoo";
  for (Published model : {Published{"resnet18", 1.82},
                          {"mobilenet_v2", 0.30},
                          {"vgg11", 7.61},
                          {"googlenet", 1.50},
                          {"efficientnet_b0", 0.39},
                          {"vit_b_16", 17.56},
                          {"convnext_tiny", 4.46},
                          {"squeezenet1_1", 0.35},
                          {"shufflenet_v2_x1_0", 0.14}}) {
    SCOPED_TRACE(model.name);
    Graph graph = import_model(dir + "/" + model.name + ".onnx");
    double gmacs = static_cast<double>(total_cost(graph).macs) / 1e9;
    // Two significant digits published for the small ones: allow their rounding.
    double tolerance = std::max(0.02 * model.gmacs, 0.005);
    EXPECT_NEAR(gmacs, model.gmacs, tolerance);
    for (const auto& node : graph.nodes) {
      EXPECT_NE(node.op, "BatchNormalization");
      EXPECT_NE(node.op, "Identity");
      EXPECT_NE(node.op, "Shape");
    }
  }
}

}  // namespace
}  // namespace cosched
