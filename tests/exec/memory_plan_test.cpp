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

TEST(MemoryPlan, UnorderedStepsShareNothing) {
  Graph g = chain();
  std::vector<StepAccess> steps = {{{0}, {1}}, {{1}, {2}}, {{2}, {3}}};
  MemoryPlan plan = plan_memory(g, steps, no_alias(g), {}, [](int, int) { return false; });
  EXPECT_EQ(plan.peak, plan.unshared);
}

TEST(MemoryPlan, ConcurrentBranchesNeverShare) {
  // x -> a; then a -> b and a -> c at once (two processors); then b, c -> d.
  Graph g;
  for (const char* name : {"x", "a", "b", "c", "d"})
    g.values.push_back(Value{.name = name, .shape = {1024}, .has_shape = true});
  g.inputs = {0};
  g.outputs = {4};
  std::vector<StepAccess> steps = {{{0}, {1}}, {{1}, {2}}, {{1}, {3}}, {{2, 3}, {4}}};
  auto order = [](int a, int b) { return a == 0 ? b > 0 : b == 3 && a != 3; };
  MemoryPlan plan = plan_memory(g, steps, no_alias(g), {}, order);
  EXPECT_NE(plan.offset[2], plan.offset[3]);  // b and c are written at the same time
  EXPECT_LT(plan.peak, plan.unshared);        // yet x is reused once step 0 is done
  // Any two values that share memory are ordered: every use of one precedes the other's.
  std::vector<std::vector<int>> uses = {{-1, 0}, {0, 1, 2}, {1, 3}, {2, 3}, {3, 4}};
  auto before = [&](int a, int b) {
    return a == -1 || b == 4 || (a != 4 && b != -1 && order(a, b));
  };
  for (int v = 0; v < 5; ++v)
    for (int w = v + 1; w < 5; ++w) {
      if (plan.offset[v] != plan.offset[w]) continue;
      bool v_first = true, w_first = true;
      for (int a : uses[v])
        for (int b : uses[w]) {
          v_first = v_first && before(a, b);
          w_first = w_first && before(b, a);
        }
      EXPECT_TRUE(v_first || w_first) << g.values[v].name << " and " << g.values[w].name;
    }
}

}  // namespace
}  // namespace cosched
