#include "cos/exec/memory_plan.h"

#include <gtest/gtest.h>

#include <numeric>

namespace cosched {
namespace {

// A chain x -> a -> b -> c (each 1024 floats) with `c` the output.
Graph chain() {
  Graph g;
  for (const char* name : {"x", "a", "b", "c"})
    g.values.push_back(Value{.name = name, .shape = {1024}, .has_shape = true});
  g.inputs = {0};
  g.outputs = {3};
  return g;
}

std::vector<int> no_alias(const Graph& g) {
  std::vector<int> alias(g.values.size());
  std::iota(alias.begin(), alias.end(), 0);
  return alias;
}

TEST(MemoryPlan, ReusesBuffersWhoseLifetimeEnded) {
  Graph g = chain();
  std::vector<StepAccess> steps = {{{0}, {1}}, {{1}, {2}}, {{2}, {3}}};
  MemoryPlan plan = plan_memory(g, steps, no_alias(g));
  // x and b can share; a and c can share: two buffers of 4096 bytes.
  EXPECT_EQ(plan.peak, 8192);
  EXPECT_EQ(plan.unshared, 16384);
  EXPECT_EQ(plan.offset[0], plan.offset[2]);
  EXPECT_EQ(plan.offset[1], plan.offset[3]);
  for (size_t s = 0; s < steps.size(); ++s)
    EXPECT_NE(plan.offset[steps[s].reads[0]], plan.offset[steps[s].writes[0]]);
}

TEST(MemoryPlan, ViewsExtendTheLifetimeOfWhatTheyAlias) {
  Graph g = chain();
  // b is a view of a, read by the last step: a must stay alive, so c cannot reuse it.
  std::vector<int> alias = no_alias(g);
  alias[2] = 1;
  std::vector<StepAccess> steps = {{{0}, {1}}, {{2}, {3}}};
  MemoryPlan plan = plan_memory(g, steps, alias);
  EXPECT_EQ(plan.offset[2], plan.offset[1]);
  EXPECT_NE(plan.offset[3], plan.offset[1]);
  EXPECT_EQ(plan.peak, 8192);
}

}  // namespace
}  // namespace cosched
