#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <filesystem>

#include "cos/exec/backends.h"
#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/io/tensor_file.h"
#include "cos/onnx/import.h"
#include "support/test_support.h"

namespace cosched {
namespace {

// max |actual - expected| / max |expected|.
double relative_max_diff(const Tensor& actual, const Tensor& expected) {
  std::vector<double> a = to_doubles(actual), e = to_doubles(expected);
  double worst = 0, scale = 0;
  for (size_t i = 0; i < e.size(); ++i) {
    double diff = std::abs(a[i] - e[i]);
    worst = std::isnan(diff) ? INFINITY : std::max(worst, diff);
    scale = std::max(scale, std::abs(e[i]));
  }
  return worst / std::max(scale, 1e-30);
}

// Runs an exported model on `backend` and compares with its PyTorch output.
void check_model(const std::string& name, Backend& backend) {
  SCOPED_TRACE(name + " on " + backend.name());
  std::string base = test::zoo_dir() + "/" + name;
  ReferenceBackend reference;
  auto start = std::chrono::steady_clock::now();
  GraphExecutor executor(import_model(base + ".onnx"), backend, &reference);
  std::vector<Tensor> out = executor.run({read_npy(base + ".input.npy")});
  // A device backend records the kernels on the second run and replays them from then on.
  if (!backend.on_host())
    for (int again = 0; again < 2; ++again)
      EXPECT_EQ(executor.run({read_npy(base + ".input.npy")}).at(0).bytes, out.at(0).bytes);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  Tensor expected = read_npy(base + ".output.npy");
  ASSERT_EQ(out.at(0).shape, expected.shape);
  double diff = relative_max_diff(out[0], expected);
  std::printf("  %-20s %-10s max|diff|/max|ref| = %.2e  (%.1f s with compile)\n", name.c_str(),
              backend.name().c_str(), diff, seconds);
  EXPECT_LE(diff, 1e-3);
}

TEST(ZooExec, ReferenceMatchesPyTorchOnSmallModels) {
  if (test::zoo_dir().empty()) GTEST_SKIP() << "models/ not exported; run `make models`";
  ReferenceBackend reference;
  for (const char* name :
       {"squeezenet1_1", "shufflenet_v2_x1_0", "mobilenet_v2", "efficientnet_b0"})
    check_model(name, reference);
}

TEST(ZooExec, CpuMatchesPyTorchOnEveryModel) {
  if (test::zoo_dir().empty()) GTEST_SKIP() << "models/ not exported; run `make models`";
  CpuBackend cpu(CoreSet::all());
  for (const char* name :
       {"resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "efficientnet_b0",
        "shufflenet_v2_x1_0", "vgg11", "vit_b_16", "convnext_tiny"})
    check_model(name, cpu);
}

TEST(ZooExec, CudaMatchesPyTorchOnEveryModel) {
  if (test::zoo_dir().empty()) GTEST_SKIP() << "models/ not exported; run `make models`";
  if (cuda_device_count() == 0)
    GTEST_SKIP() << "no GPU visible here: tools/gpu-check.sh runs this on a GPU machine";
  std::unique_ptr<Backend> cuda = make_backend("cuda:0");
  for (const char* name :
       {"resnet18", "mobilenet_v2", "squeezenet1_1", "googlenet", "efficientnet_b0",
        "shufflenet_v2_x1_0", "vgg11", "vit_b_16", "convnext_tiny"})
    if (std::filesystem::exists(test::zoo_dir() + "/" + name + ".onnx")) check_model(name, *cuda);
}

}  // namespace
}  // namespace cosched
