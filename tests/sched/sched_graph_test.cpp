#include <gtest/gtest.h>

#include <fstream>

#include "cos/common/error.h"
#include "cos/sched/generate.h"
#include "cos/sched/plan.h"
#include "cos/sched/strategy.h"
#include "support/sched_support.h"
#include "support/test_support.h"

namespace cosched {
namespace {

TEST(SchedGraph, StagesOfChainAndFork) {
  Platform platform = test::cpu_platform(1);
  // a -> (b, c) -> d -> e: stages input | a | b c d | e | output.
  Tenant tenant =
      test::make_tenant("t", platform, {{"a", {1}}, {"b", {1}}, {"c", {1}}, {"d", {1}}, {"e", {1}}},
                        {{0, 1}, {0, 2}, {1, 3}, {2, 3}, {3, 4}});
  const auto& stages = tenant.graph.stages;
  ASSERT_EQ(stages.size(), 5u);
  EXPECT_EQ(stages[2].begin, 2);
  EXPECT_EQ(stages[2].end, 5);
  EXPECT_TRUE(stages[2].parallel());
  EXPECT_FALSE(stages[1].parallel());
}

TEST(SchedGraph, RejectsBadGraphs) {
  Platform platform = test::cpu_platform(2);
  EXPECT_THROW(test::make_tenant("t", platform, {{"a", {1}}}, {}),
               Error);  // one cost for two processors
  EXPECT_THROW(test::make_tenant("t", platform, {{"a", {kUnsupported, kUnsupported}}}, {}), Error);
  EXPECT_THROW(test::make_tenant("t", platform, {{"a", {-1, 1}}}, {}), Error);
  EXPECT_THROW(test::make_tenant("t", platform, {{"a", {1, 1}}, {"b", {1, 1}}}, {{1, 0}}), Error);
}

TEST(SchedGraph, PlatformNeedsLinksToGpus) {
  Platform platform;
  platform.processors = {{"cpu:0", "cpu"}, {"cuda:0", "cuda"}};
  EXPECT_THROW(platform.finalize(), Error);
  platform.links = {{0, 1}, {1, 0}};
  EXPECT_NO_THROW(platform.finalize());
  EXPECT_EQ(platform.link_between(0, 1), 0);
  platform.processors.push_back({"cpu:0", "cpu"});
  EXPECT_THROW(platform.finalize(), Error);
}

TEST(Problem, JsonRoundTripAndGeneratorDeterminism) {
  for (const std::string& suite : suite_names()) {
    Problem problem = generate_problem(suite, 9, 1);
    std::string text = to_json(problem).dump();
    EXPECT_EQ(to_json(problem_from_json(nlohmann::json::parse(text))).dump(), text) << suite;
    EXPECT_EQ(to_json(generate_problem(suite, 9, 1)).dump(), text) << suite;
    EXPECT_NE(to_json(generate_problem(suite, 10, 1)).dump(), text) << suite;
  }
}

TEST(Plan, SaveLoadAndChecks) {
  test::TempDir dir;
  Problem problem = generate_problem("small", 4, 0);
  Plan plan = run_strategy("heft", problem, {});
  std::string path = dir.file("plan.json");
  save_plan(problem, plan, path);
  auto [loaded_problem, loaded] = load_plan(path);
  EXPECT_EQ(loaded.placement, plan.placement);
  EXPECT_EQ(loaded.strategy, "heft");
  // Tamper: unknown unit, unknown processor, a model changed since planning.
  nlohmann::json json = nlohmann::json::parse(std::ifstream(path));
  auto expect_refused = [&](nlohmann::json bad, const std::string& mention) {
    std::string bad_path = dir.file("bad.json");
    std::ofstream(bad_path) << bad.dump();
    try {
      load_plan(bad_path);
      ADD_FAILURE() << "accepted: " << mention;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(bad_path), std::string::npos) << e.what();
    }
  };
  nlohmann::json unknown_unit = json;
  unknown_unit["tenants"][0]["units"][1]["name"] = "nope";
  expect_refused(unknown_unit, "unknown unit 'nope'");
  nlohmann::json unknown_processor = json;
  unknown_processor["tenants"][0]["units"][1]["processor"] = "tpu:7";
  expect_refused(unknown_processor, "'tpu:7'");
  std::string model = dir.file("m.onnx");
  std::ofstream(model) << "model bytes";
  nlohmann::json changed = json;
  changed["problem"]["tenants"][0]["model"] = model;
  changed["problem"]["tenants"][0]["model_hash"] = file_hash(model);
  std::string ok_path = dir.file("ok.json");
  std::ofstream(ok_path) << changed.dump();
  EXPECT_NO_THROW(load_plan(ok_path));
  std::ofstream(model) << "other bytes";
  expect_refused(changed, "changed since planning");
}

}  // namespace
}  // namespace cosched
