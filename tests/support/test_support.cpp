#include "support/test_support.h"

#include <cstdlib>
#include <random>
#include <sstream>

#include "cos/cli/app.h"
#include "cos/models/builtin.h"

namespace cosched::test {

TempDir::TempDir() {
  std::random_device device;
  path_ = std::filesystem::temp_directory_path() / ("cos-test-" + std::to_string(device()));
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

CliResult run_cli(const std::vector<std::string>& args) {
  std::vector<const char*> argv = {"cos"};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  std::ostringstream out, err;
  int code = cli::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {code, out.str(), err.str()};
}

std::string save_builtin(const TempDir& dir, const std::string& name) {
  const std::string path = dir.file(name + ".onnx");
  builtin_model(name).build().save(path);
  return path;
}

ModelBuilder small_model() {
  ModelBuilder b("small", 7);
  std::string x = b.input("input", {1, 3, 16, 16});
  x = b.conv_block(x, 8, 3);
  x = b.residual_block(x, 16, 2);  // a shortcut conv: width 2
  b.output(b.gemm(b.flatten(b.global_avg_pool(x)), 4));
  return b;
}

void make_batch_symbolic(onnx::ModelProto& model) {
  auto* graph = model.mutable_graph();
  for (auto* info : {graph->mutable_input(0), graph->mutable_output(0)}) {
    info->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(0)->set_dim_param(
        "batch");
  }
}

std::string source_dir() {
  const char* moved = std::getenv("COS_SOURCE_DIR");
  return moved && *moved ? moved : COS_SOURCE_DIR;
}

std::string zoo_dir() {
  std::filesystem::path dir = std::filesystem::path(source_dir()) / "models";
  return std::filesystem::exists(dir / "resnet18.onnx") ? dir.string() : "";
}

}  // namespace cosched::test
