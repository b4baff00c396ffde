#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cos/models/builtin.h"
#include "support/test_support.h"

namespace cosched {
namespace {

TEST(ProfileCli, DetectProfileCheckAndPlan) {
  test::TempDir dir;
  const std::string model = test::save_builtin(dir, "tiny_resnet");
  std::string platform = dir.file("platform.json"), profile = dir.file("profile.json");

  auto detect =
      test::run_cli({"platform", "detect", "--split", "1", "--no-measure", "-o", platform});
  ASSERT_EQ(detect.code, 0) << detect.err;
  EXPECT_NE(detect.out.find("cpu:0"), std::string::npos) << detect.out;

  auto run = test::run_cli({"profile", model, "--platform", platform, "-o", profile, "--runs", "2",
                            "--warmup", "1", "--stall-seconds", "0.3", "--json"});
  ASSERT_EQ(run.code, 0) << run.err;
  auto summary = nlohmann::json::parse(run.out);
  EXPECT_EQ(summary.at("models").at(0).at("processor"), "cpu:0");
  EXPECT_EQ(summary.at("stalls").at(0).at("processor"), "cpu:0");
  EXPECT_GE(summary.at("stalls").at(0).at("per_s").get<double>(), 0);
  EXPECT_NE(run.err.find("tiny_resnet on cpu:0"), std::string::npos) << run.err;  // progress

  auto check = test::run_cli({"profile", "--check", profile, "--runs", "2", "--quiet", "--json"});
  ASSERT_EQ(check.code, 0) << check.err;
  auto rows = nlohmann::json::parse(check.out).at("check");
  ASSERT_EQ(rows.size(), 1u);
  for (const char* key : {"model", "processor", "measured_ms", "profiled_ms", "error_pct"})
    EXPECT_TRUE(rows[0].contains(key)) << key;

  auto plan = test::run_cli({"plan", "--platform", platform, "--model", model, "--profile", profile,
                             "-o", dir.file("plan.json")});
  EXPECT_EQ(plan.code, 0) << plan.err;

  // Another model under the profiled one's name, and another platform: refused, naming the file.
  builtin_model("tiny_mobilenet").build().save(model);
  auto changed = test::run_cli({"plan", "--platform", platform, "--model", model, "--profile",
                                profile, "-o", dir.file("plan.json")});
  EXPECT_EQ(changed.code, 2);
  EXPECT_NE(changed.err.find(profile + ": model"), std::string::npos) << changed.err;
  std::string two = dir.file("two.json");
  ASSERT_EQ(test::run_cli(
                {"platform", "detect", "--split", "1", "--cpu", "cpu:0", "--no-measure", "-o", two})
                .code,
            2);  // cpu:0 twice
  nlohmann::json other = nlohmann::json::parse(std::ifstream(platform));
  other["host"] = "elsewhere";
  std::ofstream(two) << other.dump();
  auto moved = test::run_cli({"plan", "--platform", two, "--model", model, "--profile", profile,
                              "-o", dir.file("p.json")});
  EXPECT_EQ(moved.code, 2);
  EXPECT_NE(moved.err.find(profile + ": made for another platform"), std::string::npos)
      << moved.err;
}

TEST(ProfileCli, CheckSaysWhenAProcessorDrifted) {
  test::TempDir dir;
  std::string platform = dir.file("platform.json"), profile = dir.file("profile.json");
  ASSERT_EQ(
      test::run_cli({"platform", "detect", "--split", "1", "--no-measure", "-o", platform}).code,
      0);
  std::vector<std::string> args = {
      "profile",  "--platform", platform,           "-o",      profile,           "--runs", "2",
      "--warmup", "1",          "--no-concurrency", "--quiet", "--stall-seconds", "0"};
  for (const char* name : {"tiny_resnet", "tiny_mobilenet"})
    args.push_back(test::save_builtin(dir, name));
  ASSERT_EQ(test::run_cli(args).code, 0);
  // As if the processor had run three times slower while it was profiled.
  nlohmann::json json = nlohmann::json::parse(std::ifstream(profile));
  for (auto& [key, op] : json["ops"].items())
    for (auto& [processor, cost] : op["costs"].items())
      for (const char* field : {"median_ms", "mean_ms", "p10_ms", "p90_ms"})
        cost[field] = cost[field].get<double>() * 3;
  std::ofstream(profile) << json.dump();
  auto check = test::run_cli({"profile", "--check", profile, "--runs", "3", "--quiet"});
  ASSERT_EQ(check.code, 0) << check.err;
  EXPECT_NE(check.out.find("cpu:0: every model ran faster than profiled"), std::string::npos)
      << check.out;
}

}  // namespace
}  // namespace cosched
