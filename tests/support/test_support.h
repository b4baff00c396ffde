#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cos/onnx/builder.h"

namespace cosched::test {

// A fresh folder under the system temp dir, removed when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CliResult {
  int code;
  std::string out;
  std::string err;
};

// Runs the cos CLI in-process.
CliResult run_cli(const std::vector<std::string>& args);

// Writes the built-in model `name` (cos/models/builtin.h) into `dir` as NAME.onnx; its path.
std::string save_builtin(const TempDir& dir, const std::string& name);

// A small valid model with a conv, a residual, BatchNorm and a Gemm.
ModelBuilder small_model();

// Makes dimension 0 of the first input and output symbolic ("batch").
void make_batch_symbolic(onnx::ModelProto& model);

// The source folder: $COS_SOURCE_DIR where set (a build run elsewhere, as on a GPU machine),
// else the folder it was built from.
std::string source_dir();

// Folder of the exported zoo (`make models`), or "" if it was not exported.
std::string zoo_dir();

}  // namespace cosched::test
