#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/io/tensor_file.h"
#include "cos/onnx/import.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// The small model and a random input for it, in `dir`.
struct Fixture {
  test::TempDir dir;
  std::string model = dir.file("small.onnx");
  Tensor input;
  Fixture() {
    test::small_model().save(model);
    std::mt19937 rng(5);
    std::normal_distribution<float> dist;
    std::vector<float> data(3 * 16 * 16);
    for (auto& v : data) v = dist(rng);
    input = from_floats(data, {1, 3, 16, 16});
  }
  Tensor expected() const {
    ReferenceBackend reference;
    GraphExecutor executor(import_model(model), reference);
    return executor.run({input}).at(0);
  }
};

void expect_close(const Tensor& actual, const Tensor& expected) {
  ASSERT_EQ(actual.shape, expected.shape);
  std::vector<double> a = to_doubles(actual), e = to_doubles(expected);
  for (size_t i = 0; i < e.size(); ++i) EXPECT_NEAR(a[i], e[i], 1e-4 * (1 + std::abs(e[i])));
}

TEST(CliInfer, NpyInOutAndJsonLatency) {
  Fixture f;
  write_npy(f.dir.file("x.npy"), f.input);
  test::CliResult r = test::run_cli({"infer", f.model, "--input", "input=" + f.dir.file("x.npy"),
                                     "--output", f.dir.file("y.npy"), "--processor", "cpu:0",
                                     "--repeat", "3", "--json", "--stats"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto json = nlohmann::json::parse(r.out);
  EXPECT_GT(json["median_ms"].get<double>(), 0);
  EXPECT_GE(json["p90_ms"].get<double>(), json["median_ms"].get<double>());
  EXPECT_GT(json["arena_bytes"].get<int64_t>(), 0);
  EXPECT_EQ(json["processor"], "cpu:0");
  expect_close(read_npy(f.dir.file("y.npy")), f.expected());
}

TEST(CliInfer, TensorProtoInOutAndTable) {
  Fixture f;
  write_tensor_file(f.dir.file("x.pb"), f.input, "input");
  test::CliResult r = test::run_cli({"infer", f.model, "--input", f.dir.file("x.pb"), "--output",
                                     f.dir.file("y.pb"), "--backend", "reference", "--stats"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* text : {"median", "p90", "arena", "Conv"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in " << r.out;
  expect_close(read_tensor_file(f.dir.file("y.pb")), f.expected());
}

TEST(CliInfer, BadInputGetsOneLineNamingIt) {
  Fixture f;
  write_npy(f.dir.file("wrong.npy"), make_tensor(DType::f32, {1, 3, 8, 8}));
  write_npy(f.dir.file("x.npy"), f.input);
  struct Case {
    std::vector<std::string> args;
    std::string named;
  };
  for (const Case& c : std::vector<Case>{
           {{"--input", "input=" + f.dir.file("missing.npy")}, "missing.npy"},
           {{"--input", "input=" + f.dir.file("wrong.npy")}, "wrong.npy"},
           {{"--input", "nosuch=" + f.dir.file("x.npy")}, "input 'input'"},
           {{"--input", f.dir.file("x.npy"), "--processor", "gpu:0"}, "gpu:0"},
           {{"--input", f.dir.file("x.npy"), "--processor", "cpu:64"}, "cpu:64"},
           {{"--input", f.dir.file("x.npy"), "--output", f.dir.file("y.txt")}, "y.txt"}}) {
    std::vector<std::string> args = {"infer", f.model};
    args.insert(args.end(), c.args.begin(), c.args.end());
    test::CliResult r = test::run_cli(args);
    EXPECT_EQ(r.code, 2) << c.named;
    EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

}  // namespace
}  // namespace cosched
