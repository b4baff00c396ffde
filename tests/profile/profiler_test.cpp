#include "cos/profile/profiler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "cos/common/error.h"
#include "cos/onnx/import.h"
#include "cos/profile/check.h"
#include "cos/profile/profile_costs.h"
#include "cos/sched/from_graph.h"
#include "cos/sched/problem.h"
#include "support/sched_support.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// cpu:0, measured here, and a GPU that is not: estimated from its figures.
Platform cpu_and_estimated_gpu() {
  Platform platform;
  platform.host = "test host";
  platform.processors = {{.id = "cpu:0", .kind = "cpu"},
                         {.id = "cuda:0",
                          .kind = "cuda",
                          .peak_gflops = 5000,
                          .mem_gbps = 500,
                          .launch_ms = 0.01,
                          .estimated = true}};
  platform.links = {{0, 1, 0.01, 12}, {1, 0, 0.01, 12}};
  platform.finalize();
  return platform;
}

ModelToProfile builtin(const std::string& name, const test::TempDir& dir) {
  const std::string path = test::save_builtin(dir, name);
  return {name, path, file_hash(path), import_model(path)};
}

// One quick profile of tiny_resnet shared by the tests (two timed runs).
struct Fixture {
  test::TempDir dir;
  Platform platform = cpu_and_estimated_gpu();
  std::vector<ModelToProfile> models;
  Profile profile;
  Fixture() {
    models.push_back(builtin("tiny_resnet", dir));
    profile = profile_models(platform, models, {.runs = 2, .warmup = 1, .stall_seconds = 0.3});
  }
};

const Fixture& fixture() {
  static Fixture f;
  return f;
}

TEST(Profiler, MeasuresEveryStepAndEstimatesTheAbsentGpu) {
  const Profile& profile = fixture().profile;
  ASSERT_EQ(profile.models.size(), 1u);
  const ProfiledModel& model = profile.models[0];
  EXPECT_EQ(model.hash, fixture().models[0].hash);
  ASSERT_TRUE(model.steps.count("cpu:0") && model.steps.count("cuda:0"));
  for (const auto& step : model.steps.at("cpu:0")) {
    const OpCost& cost = profile.ops.at(step.key).costs.at("cpu:0");
    EXPECT_FALSE(cost.estimated);
    EXPECT_GE(cost.runs, 2);
    EXPECT_LE(cost.p10_ms, cost.median_ms);
    EXPECT_LE(cost.median_ms, cost.p90_ms);
  }
  for (const auto& step : model.steps.at("cuda:0"))
    EXPECT_TRUE(profile.ops.at(step.key).costs.at("cuda:0").estimated);
  EXPECT_GT(profile.model_ms(model, "cpu:0"), 0);
  EXPECT_GT(model.whole_ms.at("cpu:0"), 0);
  EXPECT_TRUE(profile.measured("cpu:0"));
  EXPECT_FALSE(profile.measured("cuda:0"));
  ASSERT_EQ(profile.links.size(), 2u);
  EXPECT_TRUE(profile.links[0].estimated);
}

TEST(Profiler, MeasuresEachProcessorsJitter) {
  const Fixture& f = fixture();
  Profile profile =
      profile_models(f.platform, f.models, {.runs = 12, .warmup = 1, .stall_seconds = 0});
  const std::vector<double>& cpu = profile.platform.processors[0].jitter;
  ASSERT_EQ(cpu.size(), 101u);  // whole runs over their median, at 101 quantiles
  EXPECT_TRUE(std::is_sorted(cpu.begin(), cpu.end()));
  EXPECT_GT(cpu.front(), 0);
  EXPECT_LE(cpu.front(), 1.0);
  EXPECT_DOUBLE_EQ(cpu[50], 1.0);
  EXPECT_GE(cpu.back(), 1.0);
  EXPECT_TRUE(profile.platform.processors[1].jitter.empty());  // estimated: no runs
  EXPECT_EQ(profile_from_json(to_json(profile)).platform.processors[0].jitter, cpu);
}

TEST(Profiler, MeasuresEachCpuProcessorsStalls) {
  const Profile& profile = fixture().profile;
  const Processor& cpu = profile.platform.processors[0];
  EXPECT_GE(cpu.stalls_per_s, 0);
  // Stall lengths at 21 quantiles where the probe saw any, every one above the threshold.
  EXPECT_EQ(cpu.stall_ms.size(), cpu.stalls_per_s > 0 ? 21u : 0u);
  EXPECT_TRUE(std::is_sorted(cpu.stall_ms.begin(), cpu.stall_ms.end()));
  if (!cpu.stall_ms.empty()) EXPECT_GT(cpu.stall_ms.front(), 0.1);
  EXPECT_EQ(profile.platform.processors[1].stalls_per_s, 0);  // estimated: not probed
  const Processor back = profile_from_json(to_json(profile)).platform.processors[0];
  EXPECT_EQ(back.stalls_per_s, cpu.stalls_per_s);
  EXPECT_EQ(back.stall_ms, cpu.stall_ms);
}

// Each cpu processor's worker, handed a unit from the other's core after idle spells, starts
// it later than the handoff charged already by a delay per spell (0 where it is no later).
TEST(Profiler, MeasuresEachCpuProcessorsWakeUp) {
  const Fixture& f = fixture();
  const Profile profile = profile_models(
      test::cpu_platform(2), f.models,
      {.runs = 1, .warmup = 1, .passes = 1, .concurrency = false, .stall_seconds = 0});
  for (const Processor& cpu : profile.platform.processors) {
    EXPECT_EQ(cpu.wake_idle_ms, (std::vector<double>{0.025, 0.1, 0.2, 0.5, 1, 2, 5})) << cpu.id;
    ASSERT_EQ(cpu.wake_delay_ms.size(), 7u) << cpu.id;
    for (double ms : cpu.wake_delay_ms) EXPECT_LT(ms, 50) << cpu.id;  // not a lost thread
  }
  const Processor back = profile_from_json(to_json(profile)).platform.processors[1];
  EXPECT_EQ(back.wake_delay_ms, profile.platform.processors[1].wake_delay_ms);
  const Profile without = profile_models(test::cpu_platform(2), f.models,
                                         {.runs = 1,
                                          .warmup = 1,
                                          .passes = 1,
                                          .concurrency = false,
                                          .stall_seconds = 0,
                                          .wake = false});
  EXPECT_TRUE(without.platform.processors[0].wake_idle_ms.empty());
}

TEST(Profiler, JsonRoundTrip) {
  const Profile& profile = fixture().profile;
  nlohmann::json json = to_json(profile);
  Profile back = profile_from_json(json);
  EXPECT_EQ(to_json(back), json);
  EXPECT_EQ(back.ops.size(), profile.ops.size());
}

TEST(Profiler, CheckComparesWholeRunsWithTheSumOfOps) {
  auto rows = check_profile(fixture().profile, "p.json", fixture().models,
                            {.runs = 2, .warmup = 1, .passes = 2});
  ASSERT_EQ(rows.size(), 1u);  // cpu:0 only: cuda:0 is estimated
  EXPECT_EQ(rows[0].processor, "cpu:0");
  EXPECT_GT(rows[0].measured_ms, 0);
  EXPECT_TRUE(std::isfinite(rows[0].error_pct));
  EXPECT_EQ(rows[0].steps, static_cast<int>(fixture().profile.models[0].steps.at("cpu:0").size()));
  EXPECT_LE(rows[0].changed_kernels, rows[0].steps);
}

TEST(Profiler, NodeCostsFeedTheSchedGraph) {
  const Fixture& f = fixture();
  const Graph& graph = f.models[0].graph;
  auto costs = profile_node_costs(f.profile, "p.json", f.platform, graph, f.models[0].path,
                                  f.models[0].hash);
  ASSERT_EQ(costs.size(), 2u);
  SchedGraph sched = sched_graph_from_graph(graph, f.platform, "m", &costs);
  double sum = 0;
  for (const Unit& unit : sched.units) sum += unit.cost_ms[0];
  EXPECT_NEAR(sum, f.profile.model_ms(f.profile.models[0], "cpu:0"), 1e-9);
}

// Plans keep every processor busy: costs carry the slow-down measured while the platform's
// other processors run (a processor the platform lacks does not count).
TEST(Profiler, NodeCostsCarryTheConcurrentSlowdown) {
  const Fixture& f = fixture();
  Profile profile = f.profile;
  profile.slowdowns = {{"cpu:0", f.platform.processors[1].id, 1.5}, {"cpu:0", "cpu:9", 3}};
  EXPECT_EQ(concurrent_slowdown(profile, "cpu:0", f.platform), 1.5);
  Platform overlapping = test::cpu_platform(2);
  overlapping.processors[1].id = "cpu:0-1";
  overlapping.finalize();
  profile.slowdowns.push_back({"cpu:0", "cpu:0-1", 2});  // shares core 0: not side by side
  EXPECT_EQ(concurrent_slowdown(profile, "cpu:0", overlapping), 1.0);
  auto costs = profile_node_costs(profile, "p.json", f.platform, f.models[0].graph,
                                  f.models[0].path, f.models[0].hash);
  double sum = 0;
  for (double ms : costs[0]) sum += ms;
  EXPECT_NEAR(sum, 1.5 * profile.model_ms(profile.models[0], "cpu:0"), 1e-9);
}

TEST(Profiler, MeasuredLinksAndHandoffReachThePlatform) {
  Profile profile = fixture().profile;
  profile.links[0] = {"cpu:0", "cuda:0", 0.02, 40, 0.001, 5, false};
  profile.switch_latency_ms = 0.03;
  profile.platform.processors[0].jitter = {0.9, 1, 1.4};
  profile.platform.processors[0].stalls_per_s = 4;
  profile.platform.processors[0].stall_ms = {0.2, 3};
  profile.platform.processors[0].wake_idle_ms = {0.5, 2};
  profile.platform.processors[0].wake_delay_ms = {0.01, 0.04};
  Platform platform = fixture().platform;
  apply_profile_measurements(profile, platform);
  EXPECT_EQ(platform.processors[0].wake_delay_ms, (std::vector<double>{0.01, 0.04}));
  EXPECT_EQ(platform.processors[0].wake_idle_ms, (std::vector<double>{0.5, 2}));
  EXPECT_EQ(platform.processors[0].jitter, (std::vector<double>{0.9, 1, 1.4}));
  EXPECT_EQ(platform.processors[0].stalls_per_s, 4);
  EXPECT_EQ(platform.processors[0].stall_ms, (std::vector<double>{0.2, 3}));
  EXPECT_EQ(platform.links[0].bandwidth_gbps, 40);
  EXPECT_EQ(platform.links[0].latency_ms, 0.02);
  EXPECT_EQ(platform.links[1].bandwidth_gbps, 12);  // estimated in the profile: kept
  EXPECT_EQ(platform.switch_latency_ms, 0.03);
}

TEST(Profiler, RefusesAnAbsentProcessorNotMarkedEstimated) {
  Platform platform = cpu_and_estimated_gpu();
  platform.processors[1].estimated = false;
  platform.processors[1].id = "cuda:7";
  try {
    profile_models(platform, fixture().models, {.runs = 1, .platform_label = "gpu.json"});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("gpu.json: processor cuda:7 is not on this machine"),
              std::string::npos)
        << e.what();
  }
}

TEST(Profiler, RefusesAnotherModelOrPlatform) {
  const Fixture& f = fixture();
  test::TempDir dir;
  ModelToProfile other = builtin("tiny_mobilenet", dir);
  EXPECT_THROW(
      profile_node_costs(f.profile, "p.json", f.platform, other.graph, other.path, other.hash),
      Error);
  try {
    // Same name, other content: "differs from the one profiled".
    profile_node_costs(f.profile, "p.json", f.platform, other.graph, f.models[0].path, "0123");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.json: model"), std::string::npos) << e.what();
  }
  Platform moved = f.platform;
  moved.host = "another host";
  EXPECT_THROW(check_profile_platform(f.profile, "p.json", moved), Error);
  EXPECT_NO_THROW(check_profile_platform(f.profile, "p.json", f.platform));
}

TEST(Profiler, RefusesBrokenFiles) {
  test::TempDir dir;
  auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(dir.file(name)) << text;
    return dir.file(name);
  };
  nlohmann::json good = to_json(fixture().profile);
  auto message = [](const std::string& path) {
    try {
      load_profile(path);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string bad = write("bad.json", "{ not json");
  EXPECT_EQ(message(bad).rfind(bad + ": not valid JSON", 0), 0u) << message(bad);
  std::string other = write("other.json", R"({"format": "cos-problem-1"})");
  EXPECT_NE(message(other).find("not a cos profile"), std::string::npos);
  nlohmann::json edited = good;
  edited["platform"]["host"] = "elsewhere";
  std::string edited_path = write("edited.json", edited.dump());
  EXPECT_NE(message(edited_path).find("does not match its platform"), std::string::npos);
  nlohmann::json jumbled = good;
  jumbled["platform"]["processors"][0]["jitter"] = {1.2, 0.9};
  std::string jumbled_path = write("jumbled.json", jumbled.dump());
  EXPECT_NE(message(jumbled_path).find("processor 'cpu:0': jitter must be"), std::string::npos)
      << message(jumbled_path);
  nlohmann::json stalls = good;
  stalls["platform"]["processors"][0]["stalls_per_s"] = 3;  // without their lengths
  stalls["platform"]["processors"][0].erase("stall_ms");
  std::string stalls_path = write("stalls.json", stalls.dump());
  EXPECT_NE(message(stalls_path).find("processor 'cpu:0': stalls_per_s must be"), std::string::npos)
      << message(stalls_path);
  nlohmann::json missing = good;
  missing["ops"].erase(missing["ops"].begin());
  std::string missing_path = write("missing.json", missing.dump());
  EXPECT_NE(message(missing_path).find("has no cost"), std::string::npos) << message(missing_path);
  EXPECT_EQ(message(dir.file("absent.json")), dir.file("absent.json") + ": cannot open file");
}

}  // namespace
}  // namespace cosched
