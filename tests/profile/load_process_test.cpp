#include "cos/profile/load_process.h"

#include <gtest/gtest.h>

#include "cos/common/error.h"
#include "cos/onnx/import.h"
#include "support/test_support.h"

namespace cosched {
namespace {

TEST(LoadProcess, RunsAgainstASecondCosProcess) {
  test::TempDir dir;
  const std::string model = test::save_builtin(dir, "tiny_resnet");
  TimedRun here(import_model(model), "cpu:0");
  auto [mine, theirs] = run_against_process(here, {{COS_BINARY}, {}}, model, "cpu:0", 3);
  EXPECT_GT(mine, 0);
  EXPECT_GT(theirs, 0);
}

TEST(LoadProcess, ACommandThatCannotServeIsAnError) {
  test::TempDir dir;
  const std::string model = test::save_builtin(dir, "tiny_resnet");
  TimedRun here(import_model(model), "cpu:0");
  EXPECT_THROW(run_against_process(here, {{"/bin/true"}, {}}, model, "cpu:0", 3), Error);
  EXPECT_THROW(run_against_process(here, {{}, {}}, model, "cpu:0", 3), Error);
}

TEST(LoadProcess, OwnCommandIsEmptyWithoutTheSubcommand) {
  EXPECT_TRUE(own_command("no-such-subcommand").empty());
}

}  // namespace
}  // namespace cosched
