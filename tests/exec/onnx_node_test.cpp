// The ONNX backend node tests (tools/gen_onnx_node_tests.py writes them into
// .cache/onnx-node): every case whose ops cos claims runs on both backends against the
// expected outputs. A case either passes or is in known_failures() with its reason.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "cos/exec/backends.h"
#include "cos/exec/cpu/cpu_backend.h"
#include "cos/exec/graph_executor.h"
#include "cos/io/tensor_file.h"
#include "cos/onnx/convert.h"
#include "cos/onnx/import.h"
#include "cos/onnx/ops.h"
#include "support/test_support.h"

namespace cosched {
namespace {

namespace fs = std::filesystem;

// Cases of claimed ops that cos does not run, and why.
const std::map<std::string, std::string>& known_failures() {
  static const std::map<std::string, std::string> cases = {
      {"test_add_uint8",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_batchnorm_epsilon_training_mode",
       "training mode (random masks, batch statistics): inference only"},
      {"test_batchnorm_example_training_mode",
       "training mode (random masks, batch statistics): inference only"},
      {"test_clip_default_int8_inbounds",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_clip_default_int8_max",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_clip_default_int8_min",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_div_uint8",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_globalaveragepool", "opset below 7: import supports opsets 7 to 17"},
      {"test_globalaveragepool_precomputed", "opset below 7: import supports opsets 7 to 17"},
      {"test_globalmaxpool", "opset below 7: import supports opsets 7 to 17"},
      {"test_globalmaxpool_precomputed", "opset below 7: import supports opsets 7 to 17"},
      {"test_hardsigmoid", "opset below 7: import supports opsets 7 to 17"},
      {"test_hardsigmoid_default", "opset below 7: import supports opsets 7 to 17"},
      {"test_hardsigmoid_example", "opset below 7: import supports opsets 7 to 17"},
      {"test_identity_opt", "optional types are unsupported"},
      {"test_identity_sequence", "sequence types are unsupported"},
      {"test_maxpool_2d_uint8",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool's Indices output is unsupported"},
      {"test_maxpool_with_argmax_2d_precomputed_strides",
       "MaxPool's Indices output is unsupported"},
      {"test_mul_uint8",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_float32_int32",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_float32_int64",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_float32_uint32", "uint32 tensors are not a cos dtype"},
      {"test_pow_types_float32_uint64", "uint64 tensors are not a cos dtype"},
      {"test_pow_types_int32_float32",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_int32_int32",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_int64_float32",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_pow_types_int64_int64",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_sub_uint8",
       "integer arithmetic: cos computes in f32 (the zoo and exporters need no more)"},
      {"test_training_dropout", "training mode (random masks, batch statistics): inference only"},
      {"test_training_dropout_default",
       "training mode (random masks, batch statistics): inference only"},
      {"test_training_dropout_default_mask",
       "training mode (random masks, batch statistics): inference only"},
      {"test_training_dropout_mask",
       "training mode (random masks, batch statistics): inference only"},
      {"test_training_dropout_zero_ratio",
       "training mode (random masks, batch statistics): inference only"},
      {"test_training_dropout_zero_ratio_mask",
       "training mode (random masks, batch statistics): inference only"},
  };
  return cases;
}

std::vector<Tensor> read_set(const fs::path& dir, const std::string& prefix) {
  std::vector<Tensor> tensors;
  for (int i = 0;; ++i) {
    fs::path file = dir / (prefix + "_" + std::to_string(i) + ".pb");
    if (!fs::exists(file)) return tensors;
    tensors.push_back(read_tensor_file(file.string()));
  }
}

// The model with every input but the first bound to its test value as an initializer:
// cos compiles for static parameters (weights, Slice starts, Pad pads...).
std::string with_constant_parameters(const fs::path& model_path,
                                     const std::vector<Tensor>& inputs) {
  onnx::ModelProto model;
  std::ifstream file(model_path, std::ios::binary);
  model.ParseFromIstream(&file);
  auto* graph = model.mutable_graph();
  for (int i = graph->input_size() - 1; i >= 1; --i) {
    if (static_cast<size_t>(i) >= inputs.size()) continue;
    tensor_to_proto(inputs[i], graph->input(i).name(), graph->add_initializer());
    graph->mutable_input()->DeleteSubrange(i, 1);
  }
  return model.SerializeAsString();
}

bool claimed(const fs::path& model_path) {
  onnx::ModelProto model;
  std::ifstream file(model_path, std::ios::binary);
  if (!model.ParseFromIstream(&file) || model.graph().node_size() == 0) return false;
  for (const auto& node : model.graph().node())
    if (!is_executable_op(node.op_type()) || !node.domain().empty()) return false;
  return true;
}

// "" when the outputs match, else the reason.
std::string compare(const std::vector<Tensor>& actual, const std::vector<Tensor>& expected) {
  if (actual.size() < expected.size()) return "fewer outputs";
  for (size_t i = 0; i < expected.size(); ++i) {
    if (actual[i].shape != expected[i].shape)
      return fmt::format("output {} shape {} vs {}", i, shape_string(actual[i].shape),
                         shape_string(expected[i].shape));
    std::vector<double> a = to_doubles(actual[i]), e = to_doubles(expected[i]);
    for (size_t k = 0; k < e.size(); ++k) {
      if (std::isnan(e[k]) && std::isnan(a[k])) continue;
      if (!(std::abs(a[k] - e[k]) <= 1e-5 + 1e-3 * std::abs(e[k])))
        return fmt::format("output {}[{}] = {} vs {}", i, k, a[k], e[k]);
    }
  }
  return "";
}

// A device backend runs a case only where it supports every node (it has no fallback).
constexpr const char* kUnsupported = "unsupported";

std::string run_case(const fs::path& dir, Backend& backend) {
  try {
    std::vector<Tensor> inputs = read_set(dir / "test_data_set_0", "input");
    std::vector<Tensor> expected = read_set(dir / "test_data_set_0", "output");
    Graph graph = import_model_bytes(with_constant_parameters(dir / "model.onnx", inputs),
                                     dir.filename().string());
    inputs.resize(graph.inputs.size());
    if (!backend.on_host())
      for (const Node& node : graph.nodes)
        if (!node.is_view && !backend.supports(graph, node))
          return std::string(kUnsupported) + " " + node.op;
    ReferenceBackend reference;
    GraphExecutor executor(std::move(graph), backend, &reference);
    return compare(executor.run(inputs), expected);
  } catch (const std::exception& e) {
    return e.what();
  }
}

fs::path cases_root() {
  return fs::path(test::source_dir()) / ".cache" / "onnx-node" / "node";
}

std::vector<fs::path> claimed_cases() {
  std::vector<fs::path> cases;
  for (const auto& entry : fs::directory_iterator(cases_root()))
    if (claimed(entry.path() / "model.onnx")) cases.push_back(entry.path());
  std::sort(cases.begin(), cases.end());
  return cases;
}

// Every claimed case passes on `backend` or is listed (or, on a device backend, uses an op
// it does not support); prints the counts.
void check_cases(const std::vector<fs::path>& cases, Backend& backend) {
  int passed = 0, listed = 0, unsupported = 0;
  std::map<std::string, int> unsupported_ops;
  for (const auto& dir : cases) {
    const std::string name = dir.filename().string();
    std::string failure = run_case(dir, backend);
    bool known = known_failures().count(name) > 0;
    if (failure.empty()) {
      ++passed;
      EXPECT_FALSE(known) << name << " passes on " << backend.name() << ": unlist it";
    } else if (failure.rfind(kUnsupported, 0) == 0) {
      ++unsupported;
      unsupported_ops[failure.substr(std::string(kUnsupported).size() + 1)]++;
    } else if (known) {
      ++listed;
    } else {
      ADD_FAILURE() << name << " on " << backend.name() << ": " << failure;
    }
  }
  std::printf("  %s: %zu cases of claimed ops, %d pass, %d listed as known failures",
              backend.name().c_str(), cases.size(), passed, listed);
  if (!backend.on_host()) {
    std::printf(", %d use an op it does not run:", unsupported);
    for (const auto& [op, count] : unsupported_ops) std::printf(" %s x%d", op.c_str(), count);
  }
  std::printf("\n");
}

TEST(OnnxNodeTests, ClaimedOpsPassOrAreListed) {
  if (!fs::exists(cases_root()))
    GTEST_SKIP() << "no ONNX node tests: run tools/gen_onnx_node_tests.py .cache/onnx-node";
  const std::vector<fs::path> cases = claimed_cases();
  ReferenceBackend reference;
  CpuBackend cpu(CoreSet::all());
  check_cases(cases, reference);
  check_cases(cases, cpu);
}

TEST(OnnxNodeTests, ClaimedOpsPassOrAreListedOnCuda) {
  if (!fs::exists(cases_root()))
    GTEST_SKIP() << "no ONNX node tests: run tools/gen_onnx_node_tests.py .cache/onnx-node";
  if (cuda_device_count() == 0)
    GTEST_SKIP() << "no GPU visible here: tools/gpu-check.sh runs this on a GPU machine";
  std::unique_ptr<Backend> cuda = make_backend("cuda:0");
  check_cases(claimed_cases(), *cuda);
}

}  // namespace
}  // namespace cosched
