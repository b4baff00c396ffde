#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cos/models/builtin.h"
#include "cos/runtime/measured_pick.h"
#include "support/test_support.h"

namespace cosched {
namespace {

TEST(RunCli, RunsAPlanAndPrintsJsonWithPredictions) {
  test::TempDir dir;
  const std::string path = test::save_builtin(dir, builtin_models().at(1).name);
  const std::string platform = std::string(COS_SOURCE_DIR) + "/examples/platforms/cpu2.json";
  test::CliResult plan = test::run_cli({"plan", "--platform", platform, "--model", path,
                                        "--strategy", "heft", "-o", dir.file("plan.json")});
  ASSERT_EQ(plan.code, 0) << plan.err;
  test::CliResult run = test::run_cli(
      {"run", dir.file("plan.json"), "--duration", "400ms", "--warmup", "100ms", "--json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_GT(json["weighted_throughput"].get<double>(), 0);
  EXPECT_GT(json["predicted_weighted_throughput"].get<double>(), 0);
  const auto& tenant = json["tenants"][0];
  for (const char* key :
       {"name", "throughput", "predicted_throughput", "p50_ms", "p99_ms", "completed", "failed"})
    EXPECT_TRUE(tenant.contains(key)) << key;
  EXPECT_EQ(tenant["completed_total"].get<int64_t>() + tenant["failed_total"].get<int64_t>(),
            tenant["generated"].get<int64_t>());
}

// cos plan --tune: the plans that ran, each with its simulated and measured mix, in the JSON;
// the plan kept is the one that measured best.
TEST(RunCli, PlanTuneRunsThePlansAndKeepsTheBestSimulatedUnlessClearlyBeaten) {
  test::TempDir dir;
  const std::string platform = std::string(COS_SOURCE_DIR) + "/examples/platforms/cpu2.json";
  std::vector<std::string> args = {"plan", "--platform", platform, "--strategy",
                                   "cos",  "--budget",   "0.3",    "--tune",
                                   "1",    "--json",     "-o",     dir.file("plan.json")};
  for (int i : {0, 1}) {
    args.push_back("--model");
    args.push_back(test::save_builtin(dir, builtin_models().at(i).name));
  }
  test::CliResult plan = test::run_cli(args);
  ASSERT_EQ(plan.code, 0) << plan.err;
  const auto json = nlohmann::json::parse(plan.out);
  ASSERT_TRUE(json.contains("tuned")) << plan.out;
  std::vector<Trial> trials;  // in the simulator's order, as measured_winner takes them
  for (const auto& trial : json["tuned"]) {
    EXPECT_EQ(trial["runs"].size(), 3u);
    EXPECT_GT(trial["predicted_mix_throughput"].get<double>(), 0);
    trials.push_back({trial["origin"], trial["predicted_mix_throughput"],
                      trial["runs"].get<std::vector<double>>(), trial["mix_throughput"]});
  }
  ASSERT_FALSE(trials.empty());
  const double best =
      trials[measured_winner(trials, MeasuredPickOptions{}.margin)].median_mix_per_s;
  const auto saved = nlohmann::json::parse(std::ifstream(dir.file("plan.json")));
  const std::string why = saved["tenants"][0]["units"][0]["why"];
  EXPECT_NE(why.find(fmt::format("ran best of {} plans: {:.1f} req/s", json["tuned"].size(), best)),
            std::string::npos)
      << why;
}

TEST(RunCli, RunsTheWorkloadThePlanWasMadeForAndReportsTheMix) {
  test::TempDir dir;
  const std::string platform = std::string(COS_SOURCE_DIR) + "/examples/platforms/cpu2.json";
  std::vector<std::string> args = {"plan",       "--platform", platform,
                                   "--strategy", "model",      "--clients",
                                   "2",          "-o",         dir.file("plan.json")};
  for (int i : {0, 1}) {
    args.push_back("--model");
    args.push_back(test::save_builtin(dir, builtin_models().at(i).name));
  }
  test::CliResult plan = test::run_cli(args);
  ASSERT_EQ(plan.code, 0) << plan.err;
  test::CliResult run = test::run_cli(
      {"run", dir.file("plan.json"), "--duration", "400ms", "--warmup", "100ms", "--json"});
  ASSERT_EQ(run.code, 0) << run.err;
  const auto json = nlohmann::json::parse(run.out);
  EXPECT_EQ(json["workload"], "closed");
  double least = INFINITY;
  for (const auto& tenant : json["tenants"])
    least = std::min(least, tenant["throughput"].get<double>());
  const double mix = json["mix_throughput"].get<double>();
  EXPECT_NEAR(mix, 2 * least, 1e-9 * mix);  // weights 1: two tenants at the slower one's rate
  EXPECT_LE(mix, json["weighted_throughput"].get<double>() * (1 + 1e-12));
  EXPECT_GT(json["predicted_mix_throughput"].get<double>(), 0);
}

TEST(RunCli, BadInputIsOneLineAndExitCode2) {
  test::TempDir dir;
  test::CliResult missing = test::run_cli({"run", dir.file("nope.json")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("nope.json"), std::string::npos) << missing.err;
  test::CliResult help = test::run_cli({"run", "--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--duration"), std::string::npos);
}

}  // namespace
}  // namespace cosched
