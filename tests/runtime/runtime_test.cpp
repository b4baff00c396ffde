#include "cos/runtime/runtime.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/models/builtin.h"
#include "cos/onnx/builder.h"
#include "cos/onnx/import.h"
#include "cos/sched/from_graph.h"
#include "cos/sched/strategy.h"
#include "support/sched_support.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// Tenants from model files on cpu:0 + cpu:1, placed by `strategy`.
std::pair<Problem, Plan> plan_models(const std::vector<std::string>& paths,
                                     const std::string& strategy) {
  Problem problem;
  problem.platform = test::cpu_platform(2);
  for (const auto& path : paths) {
    Tenant tenant;
    tenant.name = std::filesystem::path(path).stem().string();
    tenant.model = path;
    tenant.model_hash = file_hash(path);
    tenant.graph = sched_graph_from_graph(import_model(path), problem.platform, tenant.name);
    problem.tenants.push_back(std::move(tenant));
  }
  StrategyOptions options;
  options.search_budget_s = 0.2;
  Plan plan = run_strategy(strategy, problem, options);
  return {std::move(problem), std::move(plan)};
}

std::string save_builtin(const test::TempDir& dir, size_t index) {
  const BuiltinModel& model = builtin_models().at(index);
  const std::string path = dir.file(model.name + ".onnx");
  model.build().save(path);
  return path;
}

void expect_accounted(const RunResult& result) {
  for (const RunTenant& t : result.tenants) {
    EXPECT_GT(t.generated, 0) << t.name;
    EXPECT_EQ(t.completed_total + t.failed_total, t.generated) << t.name;
  }
}

TEST(Runtime, RunsAPlanAcrossTwoCpuProcessors) {
  test::TempDir dir;
  auto [problem, plan] = plan_models({save_builtin(dir, 0), save_builtin(dir, 1)}, "heft");
  RunOptions options;
  options.duration_s = 1.0;
  options.warmup_s = 0.2;
  options.clients = 2;
  options.record_spans = true;
  const RunResult result = run_plan(problem, plan, options);
  ASSERT_EQ(result.tenants.size(), 2u);
  expect_accounted(result);
  for (const RunTenant& t : result.tenants) {
    EXPECT_GT(t.completed, 0) << t.name;
    EXPECT_EQ(t.failed_total, 0) << t.name << ": " << t.first_error;
    EXPECT_GT(t.throughput_per_s, 0);
    EXPECT_LE(t.p50_ms, t.p99_ms);
  }
  ASSERT_EQ(result.utilisation.size(), 2u);
  for (double u : result.utilisation) {
    EXPECT_GE(u, 0);
    EXPECT_LE(u, 1.05);
  }
  EXPECT_FALSE(result.spans.empty());
}

// A Gather whose indices come with the request: out-of-range ones make that request fail.
std::string gather_model(const test::TempDir& dir) {
  ModelBuilder b("lookup", 5);
  std::string table = b.weight({4, 8}, 1.0f);
  std::string index = b.input("index", {1}, /*int64=*/true);
  b.output(b.relu(b.node("Gather", {table, index}, {1, 8})));
  const std::string path = dir.file("lookup.onnx");
  b.save(path);
  return path;
}

TEST(Runtime, AFailingRequestFailsAloneAndEveryRequestIsAccountedFor) {
  test::TempDir dir;
  auto [problem, plan] = plan_models({gather_model(dir), save_builtin(dir, 0)}, "model");
  RunOptions options;
  options.duration_s = 0.6;
  options.warmup_s = 0.1;
  options.clients = 2;
  const RunResult result = run_plan(problem, plan, options);
  expect_accounted(result);
  const RunTenant& lookup = result.tenants[0];
  EXPECT_GT(lookup.failed_total, 0);
  EXPECT_GT(lookup.completed_total, 0);
  EXPECT_NE(lookup.first_error.find("out of range"), std::string::npos) << lookup.first_error;
  EXPECT_EQ(result.tenants[1].failed_total, 0);
  EXPECT_GT(result.tenants[1].completed, 0);
}

TEST(Runtime, OpenLoopAndBadOptions) {
  test::TempDir dir;
  auto [problem, plan] = plan_models({save_builtin(dir, 1)}, "single");
  RunOptions options;
  options.duration_s = 0.5;
  options.warmup_s = 0.1;
  options.rate_per_s = 100;
  const RunResult result = run_plan(problem, plan, options);
  expect_accounted(result);
  EXPECT_GT(result.tenants[0].completed, 10);
  options.duration_s = 0;
  EXPECT_THROW(run_plan(problem, plan, options), Error);
}

}  // namespace
}  // namespace cosched
