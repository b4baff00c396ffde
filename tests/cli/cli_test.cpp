#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cos/cli/table.h"
#include "support/test_support.h"

namespace cosched {
namespace {

TEST(Cli, InspectJson) {
  test::TempDir dir;
  std::string path = dir.file("small.onnx");
  test::small_model().save(path);
  test::CliResult result = test::run_cli({"inspect", path, "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  ASSERT_TRUE(json["nodes"].is_array());
  EXPECT_GT(json["nodes"].size(), 5u);
  EXPECT_GT(json["totals"]["macs"].get<int64_t>(), 0);
  EXPECT_EQ(json["totals"]["flops"].get<int64_t>() >= 2 * json["totals"]["macs"].get<int64_t>(),
            true);
  EXPECT_GT(json["totals"]["params"].get<int64_t>(), 0);
  EXPECT_EQ(json["width"].get<int>(), 2);
  for (const auto& node : json["nodes"]) {
    EXPECT_TRUE(node.contains("name") && node.contains("op") && node.contains("outputs"));
  }
}

TEST(Table, SignedNumbersAlignRight) {
  Table table({"strategy", "diff"});
  table.add({"single", "+5.3%"});
  table.add({"layer", "-17.8%"});
  std::ostringstream out;
  table.print(out);
  EXPECT_EQ(out.str(),
            "strategy  diff\n"
            "--------  ------\n"
            "single     +5.3%\n"
            "layer     -17.8%\n");
}

TEST(Cli, InspectTable) {
  test::TempDir dir;
  std::string path = dir.file("small.onnx");
  test::small_model().save(path);
  test::CliResult result = test::run_cli({"inspect", path});
  ASSERT_EQ(result.code, 0) << result.err;
  for (const char* text : {"Conv", "Gemm", "totals:", "MACs", "ops:", "width:", "1x8x16x16"}) {
    EXPECT_NE(result.out.find(text), std::string::npos) << text;
  }
}

TEST(Cli, HelpAndUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"inspect", "--help"}, {"demo", "--help"}}) {
    test::CliResult result = test::run_cli(args);
    EXPECT_EQ(result.code, 0);
    EXPECT_NE(result.out.find("Usage"), std::string::npos) << result.out;
  }
  EXPECT_EQ(test::run_cli({}).code, 2);
  EXPECT_EQ(test::run_cli({"frobnicate"}).code, 2);
  EXPECT_EQ(test::run_cli({"inspect"}).code, 2);
  test::CliResult bad_shape = test::run_cli({"inspect", "x.onnx", "--shape", "input"});
  EXPECT_EQ(bad_shape.code, 2);
  EXPECT_NE(bad_shape.err.find("NAME="), std::string::npos) << bad_shape.err;
}

TEST(Cli, DemoInspectsBuiltinModels) {
  test::TempDir dir;
  test::CliResult result =
      test::run_cli({"demo", "--out", dir.file("demo"), "--brief", "--seconds", "0.5"});
  ASSERT_EQ(result.code, 0) << result.err;
  for (const char* name :
       {"tiny_resnet", "tiny_mobilenet", "tiny_inception", "tiny_shufflenet", "tiny_transformer"}) {
    EXPECT_NE(result.out.find(name), std::string::npos) << name;
  }
  // The measured half: every strategy's plan ran, and the traces were written.
  EXPECT_NE(result.out.find("measured req/s"), std::string::npos) << result.out;
  EXPECT_TRUE(std::filesystem::exists(dir.file("demo/cos-measured-trace.json")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("demo/cos-predicted.svg")));
}

}  // namespace
}  // namespace cosched
