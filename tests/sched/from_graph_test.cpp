#include "cos/sched/from_graph.h"

#include <gtest/gtest.h>

#include "cos/models/builtin.h"
#include "cos/onnx/import.h"
#include "support/sched_support.h"

namespace cosched {
namespace {

TEST(FromGraph, FusesViewsAndActivationsKeepingCost) {
  Platform platform = test::cpu_gpu_platform(0.01, 12);
  for (const auto& model : builtin_models()) {
    SCOPED_TRACE(model.name);
    Graph graph = import_model_bytes(model.build().serialize(), model.name);
    SchedGraph sched = sched_graph_from_graph(graph, platform, model.name);
    EXPECT_LT(sched.units.size(), graph.nodes.size() + 2);
    size_t covered = 0;
    for (size_t u = 1; u + 1 < sched.units.size(); ++u) {
      const Unit& unit = sched.units[u];
      covered += unit.nodes.size();
      for (size_t p = 0; p < platform.processors.size(); ++p) {
        double sum = 0;
        for (int node : unit.nodes)
          sum += roofline_ms(graph, graph.nodes[node], platform.processors[p]);
        EXPECT_NEAR(unit.cost_ms[p], sum, 1e-12);
      }
      // A fused activation never stands alone after its producer.
      if (unit.op == "Relu" || unit.op == "Clip") EXPECT_EQ(unit.nodes.size(), 1u);
    }
    EXPECT_EQ(covered, graph.nodes.size());
    EXPECT_GT(sched.units.front().out_bytes, 0);  // the input is copied to a GPU placement
  }
}

TEST(FromGraph, ConvReluIsOneUnit) {
  ModelBuilder b("cr", 1);
  std::string x = b.input("input", {1, 3, 8, 8});
  b.output(b.relu(b.conv(x, 4, 3)));
  Graph graph = import_model_bytes(b.serialize(), "cr.onnx");
  SchedGraph sched = sched_graph_from_graph(graph, test::cpu_platform(2), "cr");
  ASSERT_EQ(sched.units.size(), 3u);
  EXPECT_EQ(sched.units[1].op, "Conv+Relu");
  EXPECT_EQ(sched.units[1].out_bytes, 4 * 8 * 8 * 4);
}

}  // namespace
}  // namespace cosched
