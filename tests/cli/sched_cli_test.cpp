#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace cosched {
namespace {

std::string platform_file(const test::TempDir& dir) {
  std::string path = dir.file("platform.json");
  std::ofstream(path)
      << R"({"processors": [{"id": "cpu:0", "kind": "cpu"}, {"id": "cuda:0", "kind": "cuda",
    "peak_gflops": 10000, "mem_gbps": 1000, "launch_ms": 0.01}],
    "links": [{"from": "cpu:0", "to": "cuda:0", "latency_ms": 0.01, "bandwidth_gbps": 12},
              {"from": "cuda:0", "to": "cpu:0", "latency_ms": 0.01, "bandwidth_gbps": 12}]})";
  return path;
}

TEST(SchedCli, GenPlanSimulate) {
  test::TempDir dir;
  test::CliResult gen = test::run_cli(
      {"gen", "--suite", "small", "--seed", "2", "--count", "2", "-o", dir.file("suite")});
  ASSERT_EQ(gen.code, 0) << gen.err;
  std::string problem = dir.file("suite/small-2-1.json");
  ASSERT_TRUE(std::filesystem::exists(problem));
  std::string plan = dir.file("plan.json");
  test::CliResult planned =
      test::run_cli({"plan", "--problem", problem, "--strategy", "heft", "-o", plan, "--explain"});
  ASSERT_EQ(planned.code, 0) << planned.err;
  EXPECT_NE(planned.out.find("heft: earliest finish"), std::string::npos);
  test::CliResult sim = test::run_cli(
      {"simulate", plan, "--json", "--trace", dir.file("t.json"), "--gantt", dir.file("g.svg")});
  ASSERT_EQ(sim.code, 0) << sim.err;
  auto json = nlohmann::json::parse(sim.out);
  EXPECT_GT(json["period_ms"].get<double>(), 0);
  EXPECT_GT(json["weighted_throughput"].get<double>(), 0);
  auto trace = nlohmann::json::parse(std::ifstream(dir.file("t.json")));
  EXPECT_GT(trace["traceEvents"].size(), 10u);
  std::ifstream svg(dir.file("g.svg"));
  std::string text((std::istreambuf_iterator<char>(svg)), {});
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("<rect"), std::string::npos);
  test::CliResult closed = test::run_cli({"simulate", plan, "--clients", "2", "--json"});
  ASSERT_EQ(closed.code, 0) << closed.err;
  EXPECT_EQ(nlohmann::json::parse(closed.out)["workload"], "closed");
  // The window of a 3-s cos run: 2.5 s of rounds (a request of each tenant a round), far more
  // than the default few dozen rounds.
  test::CliResult longer = test::run_cli({"simulate", plan, "--duration", "3s", "--json"});
  ASSERT_EQ(longer.code, 0) << longer.err;
  const auto window = nlohmann::json::parse(longer.out);
  const double rounds = window["tenants"][0]["completed"].get<double>();
  EXPECT_GE(rounds * window["period_ms"].get<double>(), 2500);
  EXPECT_GT(rounds, 5 * json["tenants"][0]["completed"].get<double>());
  test::CliResult bad = test::run_cli({"simulate", plan, "--duration", "soon"});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("--duration 'soon'"), std::string::npos) << bad.err;
}

TEST(SchedCli, CompareJsonFromModels) {
  test::TempDir dir;
  std::vector<std::string> args = {"compare", "--platform",   platform_file(dir),
                                   "--json",  "--time-limit", "10"};
  for (const char* name : {"tiny_resnet", "tiny_inception"}) {
    const std::string path = test::save_builtin(dir, name);
    args.push_back("--model");
    args.push_back(path + (std::string(name) == "tiny_resnet" ? ":w=2" : ""));
  }
  test::CliResult result = test::run_cli(args);
  ASSERT_EQ(result.code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  double lp = json["lp_bound_period_ms"].get<double>();
  EXPECT_GT(lp, 0);
  int with_bound = 0;
  for (const auto& row : json["strategies"]) {
    EXPECT_GE(row["period_ms"].get<double>(), lp * (1 - 1e-6)) << row["name"];
    EXPECT_TRUE(row.contains("throughput") && row.contains("p99_ms") && row.contains("search_s"));
    if (row.contains("bound_ms")) {
      ++with_bound;
      EXPECT_LE(row["bound_ms"].get<double>(), row["period_ms"].get<double>() * (1 + 1e-6));
    }
  }
  EXPECT_EQ(with_bound, 1);  // milp
}

// cos plans on every platform it is given (other splits of one machine) and keeps the plan,
// with its platform, that simulates best: here the one with the GPU, given first or second.
TEST(SchedCli, CosKeepsThePlatformWhosePlanSimulatesBest) {
  test::TempDir dir;
  const std::string with_gpu = platform_file(dir), cpu_only = dir.file("cpu.json");
  std::ofstream(cpu_only) << R"({"processors": [{"id": "cpu:0", "kind": "cpu"}]})";
  std::vector<std::string> models;
  for (const char* name : {"tiny_resnet", "tiny_inception"}) {
    models.push_back("--model");
    models.push_back(test::save_builtin(dir, name));
  }
  auto plan = [&](std::vector<std::string> args) {
    args.insert(args.begin(), "plan");
    args.insert(args.end(), models.begin(), models.end());
    return test::run_cli(args);
  };
  auto period = [&](const std::string& file) {
    test::CliResult sim = test::run_cli({"simulate", file, "--json"});
    EXPECT_EQ(sim.code, 0) << sim.err;
    return nlohmann::json::parse(sim.out)["period_ms"].get<double>();
  };
  ASSERT_EQ(
      plan({"--platform", with_gpu, "--strategy", "cos", "-o", dir.file("gpu-plan.json")}).code, 0);
  ASSERT_EQ(
      plan({"--platform", cpu_only, "--strategy", "cos", "-o", dir.file("cpu-plan.json")}).code, 0);
  const double best =
      std::min(period(dir.file("gpu-plan.json")), period(dir.file("cpu-plan.json")));
  for (const auto& [first, also] : {std::pair{cpu_only, with_gpu}, std::pair{with_gpu, cpu_only}}) {
    const std::string out = dir.file("across.json");
    test::CliResult across =
        plan({"--platform", first, "--also-platform", also, "--strategy", "cos", "-o", out});
    ASSERT_EQ(across.code, 0) << across.err;
    const auto json = nlohmann::json::parse(std::ifstream(out));
    EXPECT_EQ(json["problem"]["platform"]["processors"].size(), 2u);
    EXPECT_LE(period(out), best * (1 + 1e-9));
  }
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--platform", cpu_only, "--also-platform", with_gpu, "--strategy", "heft", "-o",
            dir.file("x.json")},
           {"--platform", cpu_only, "--also-platform", with_gpu, "--also-profile", "a.json",
            "--also-profile", "b.json", "-o", dir.file("x.json"), "--strategy", "cos"}}) {
    test::CliResult bad = plan(args);
    EXPECT_EQ(bad.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("--also-p"), std::string::npos) << bad.err;
  }
}

TEST(SchedCli, PlanForAClosedLoop) {
  test::TempDir dir;
  test::CliResult gen = test::run_cli(
      {"gen", "--suite", "small", "--seed", "3", "--count", "1", "-o", dir.file("suite")});
  ASSERT_EQ(gen.code, 0) << gen.err;
  const std::string problem = dir.file("suite/small-3-0.json"), plan = dir.file("plan.json");
  test::CliResult planned = test::run_cli(
      {"plan", "--problem", problem, "--strategy", "cos", "--clients", "3", "-o", plan});
  ASSERT_EQ(planned.code, 0) << planned.err;
  auto json = nlohmann::json::parse(std::ifstream(plan));
  EXPECT_EQ(json["problem"]["workload"]["kind"], "closed");
  EXPECT_EQ(json["problem"]["workload"]["clients"], 3);
  // simulate (and run) default to the workload the plan was made for
  test::CliResult sim = test::run_cli({"simulate", plan, "--json"});
  ASSERT_EQ(sim.code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["workload"], "closed");
  // a re-plan keeps it, unless told otherwise
  const std::string first = json["tenants"][0]["name"], replanned = dir.file("replanned.json");
  test::CliResult kept =
      test::run_cli({"plan", "--from", plan, "--remove", first, "-o", replanned});
  ASSERT_EQ(kept.code, 0) << kept.err;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(replanned))["problem"]["workload"]["kind"],
            "closed");
  test::CliResult open =
      test::run_cli({"plan", "--from", plan, "--remove", first, "--rate", "40", "-o", replanned});
  ASSERT_EQ(open.code, 0) << open.err;
  EXPECT_EQ(nlohmann::json::parse(std::ifstream(replanned))["problem"]["workload"]["kind"], "open");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan", "--problem", problem, "--clients", "-2", "-o", plan},
           {"plan", "--problem", problem, "--rate", "-1", "-o", plan}}) {
    test::CliResult bad = test::run_cli(args);
    EXPECT_EQ(bad.code, 2) << args[3];
    EXPECT_EQ(bad.err.find('\n'), bad.err.size() - 1) << bad.err;
    EXPECT_NE(bad.err.find(args[3]), std::string::npos) << bad.err;
  }
  // only cos picks by running, and not in a re-plan
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan", "--problem", problem, "--strategy", "heft", "--tune", "2", "-o", plan},
           {"plan", "--from", plan, "--remove", first, "--tune", "2", "-o", replanned}}) {
    test::CliResult bad = test::run_cli(args);
    EXPECT_EQ(bad.code, 2) << bad.err;
    EXPECT_NE(bad.err.find("--tune"), std::string::npos) << bad.err;
  }
  test::CliResult both =
      test::run_cli({"plan", "--problem", problem, "--clients", "2", "--rate", "5", "-o", plan});
  EXPECT_NE(both.code, 0);
  EXPECT_NE(both.err.find("--clients excludes --rate"), std::string::npos) << both.err;
}

TEST(SchedCli, BadInputIsOneLine) {
  test::TempDir dir;
  std::string broken = dir.file("broken.json");
  std::ofstream(broken) << "{ not json";
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"plan", "--problem", broken, "-o", dir.file("p.json")},
           {"simulate", dir.file("missing.json")},
           {"plan", "--problem", broken, "--strategy", "nope", "-o", dir.file("p.json")},
           {"compare", "--platform", platform_file(dir)},
           {"plan", "--platform", platform_file(dir), "--model", dir.file("x.onnx:w=zero"), "-o",
            dir.file("p.json")},
           {"gen", "--suite", "huge", "-o", dir.file("s")}}) {
    test::CliResult result = test::run_cli(args);
    EXPECT_EQ(result.code, 2) << args[0] << " " << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
  }
}

// tenant name -> processor of each unit, from a plan file.
std::map<std::string, std::vector<std::string>> placements(const std::string& plan) {
  std::map<std::string, std::vector<std::string>> result;
  auto json = nlohmann::json::parse(std::ifstream(plan));
  for (const auto& tenant : json["tenants"]) {
    auto& units = result[tenant["name"].get<std::string>()];
    for (const auto& unit : tenant["units"]) units.push_back(unit["processor"]);
  }
  return result;
}

TEST(SchedCli, ReplanRemoveAndAdd) {
  test::TempDir dir;
  std::vector<std::string> args = {"plan", "--platform", platform_file(dir),   "--strategy",
                                   "cos",  "-o",         dir.file("full.json")};
  for (const char* name : {"tiny_resnet", "tiny_inception", "tiny_mobilenet"}) {
    const std::string path = test::save_builtin(dir, name);
    args.push_back("--model");
    args.push_back(path);
  }
  ASSERT_EQ(test::run_cli(args).code, 0);
  test::CliResult removed =
      test::run_cli({"plan", "--from", dir.file("full.json"), "--remove", "tiny_mobilenet",
                     "--keep-others", "-o", dir.file("less.json"), "--explain"});
  ASSERT_EQ(removed.code, 0) << removed.err;
  EXPECT_NE(removed.out.find("kept from the current plan"), std::string::npos);
  auto full = placements(dir.file("full.json")), less = placements(dir.file("less.json"));
  ASSERT_EQ(less.size(), 2u);
  EXPECT_EQ(less["tiny_resnet"], full["tiny_resnet"]);
  EXPECT_EQ(less["tiny_inception"], full["tiny_inception"]);
  test::CliResult added = test::run_cli({"plan", "--from", dir.file("less.json"), "--add",
                                         dir.file("tiny_mobilenet.onnx:w=2"), "--keep-others", "-o",
                                         dir.file("again.json"), "--json"});
  ASSERT_EQ(added.code, 0) << added.err;
  auto again = placements(dir.file("again.json"));
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again["tiny_resnet"], full["tiny_resnet"]);
  EXPECT_EQ(again["tiny_mobilenet"].size(), full["tiny_mobilenet"].size());
  auto json = nlohmann::json::parse(std::ifstream(dir.file("again.json")));
  EXPECT_EQ(json["problem"]["tenants"][2]["weight"].get<double>(), 2.0);
  // Without --keep-others the search may move the others too; it still re-plans.
  test::CliResult moved = test::run_cli({"plan", "--from", dir.file("less.json"), "--add",
                                         dir.file("tiny_resnet.onnx"), "-o", dir.file("m.json")});
  ASSERT_EQ(moved.code, 0) << moved.err;
  EXPECT_EQ(placements(dir.file("m.json")).count("tiny_resnet_2"), 1u);

  // Bad input: one line that names the file or the flag.
  auto refused = [&](std::vector<std::string> bad, const std::string& named) {
    bad.insert(bad.begin(), {"plan", "-o", dir.file("x.json")});
    test::CliResult result = test::run_cli(bad);
    EXPECT_EQ(result.code, 2) << result.err;
    EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << result.err;
    EXPECT_NE(result.err.find(named), std::string::npos) << result.err;
  };
  std::string broken = dir.file("broken.json");
  std::ofstream(broken) << "{ not json";
  refused({"--from", dir.file("missing.json"), "--remove", "a"}, "missing.json");
  refused({"--from", broken, "--remove", "a"}, "broken.json");
  refused({"--from", dir.file("less.json"), "--remove", "nosuch"}, "nosuch");
  refused({"--from", dir.file("less.json")}, "--add");
  refused({"--add", dir.file("tiny_mobilenet.onnx")}, "--from");
  std::ofstream(dir.file("tiny_resnet.onnx"), std::ios::app) << "x";  // changed since planning
  refused({"--from", dir.file("less.json"), "--remove", "tiny_inception"}, "less.json");
}

}  // namespace
}  // namespace cosched
