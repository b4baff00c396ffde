#include <gtest/gtest.h>

#include <fstream>

#include "support/test_support.h"

namespace cosched {
namespace {

void write(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Bad input: exit code 2 and exactly one line that names the file and `mentions`.
void expect_rejected(const std::string& path, const std::vector<std::string>& mentions,
                     std::vector<std::string> extra_args = {}) {
  std::vector<std::string> args = {"inspect", path};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  test::CliResult result = test::run_cli(args);
  EXPECT_EQ(result.code, 2) << result.err;
  ASSERT_FALSE(result.err.empty());
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "not one line: " << result.err;
  EXPECT_NE(result.err.find(path), std::string::npos) << result.err;
  for (const auto& text : mentions)
    EXPECT_NE(result.err.find(text), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty()) << result.out;
}

onnx::ModelProto relu_model() {
  ModelBuilder b("relu", 1);
  b.output(b.relu(b.input("input", {1, 4})));
  return b.build();
}

class BadInput : public testing::Test {
 protected:
  test::TempDir dir;
  std::string save(const std::string& name, const onnx::ModelProto& model) {
    std::string path = dir.file(name);
    write(path, model.SerializeAsString());
    return path;
  }
};

TEST_F(BadInput, MissingFile) {
  expect_rejected(dir.file("absent.onnx"), {"cannot open"});
}

TEST_F(BadInput, NotProtobuf) {
  std::string path = dir.file("text.onnx");
  write(path, "this is not a model at all\n");
  expect_rejected(path, {"not an ONNX model"});
}

TEST_F(BadInput, TruncatedFile) {
  std::string bytes = test::small_model().serialize();
  for (size_t keep : {bytes.size() / 2, bytes.size() - 3, size_t{10}}) {
    std::string path = dir.file("truncated.onnx");
    write(path, bytes.substr(0, keep));
    expect_rejected(path, {});
  }
}

TEST_F(BadInput, Cycle) {
  onnx::ModelProto model = relu_model();
  auto* graph = model.mutable_graph();
  // input + y -> a; Relu(a) -> y: a cycle between the two nodes.
  graph->mutable_node(0)->set_input(0, "a");
  graph->mutable_node(0)->set_output(0, "y");
  auto* add = graph->add_node();
  add->set_name("loop_add");
  add->set_op_type("Add");
  add->add_input("input");
  add->add_input("y");
  add->add_output("a");
  graph->mutable_output(0)->set_name("y");
  expect_rejected(save("cycle.onnx", model), {"cycle", "node '"});
}

TEST_F(BadInput, UnsupportedOpsAreAllListed) {
  onnx::ModelProto model = relu_model();
  auto* graph = model.mutable_graph();
  std::string last = graph->node(0).output(0);
  for (const char* name : {"einsum_a", "topk_b", "einsum_c"}) {
    auto* node = graph->add_node();
    node->set_name(name);
    node->set_op_type(std::string(name).starts_with("einsum") ? "Einsum" : "TopK");
    node->add_input(last);
    last = std::string(name) + "_out";
    node->add_output(last);
  }
  expect_rejected(save("ops.onnx", model), {"Einsum (einsum_a, einsum_c)", "TopK (topk_b)"});
}

TEST_F(BadInput, InitializerSizeMismatch) {
  onnx::ModelProto model = relu_model();
  auto* init = model.mutable_graph()->add_initializer();
  init->set_name("weights");
  init->set_data_type(onnx::TensorProto::FLOAT);
  init->add_dims(4);
  init->set_raw_data(std::string(8, '\0'));
  expect_rejected(save("size.onnx", model), {"initializer 'weights'", "8 bytes", "needs 16"});
}

TEST_F(BadInput, SymbolicInputWithoutShape) {
  onnx::ModelProto model = relu_model();
  test::make_batch_symbolic(model);
  std::string path = save("symbolic.onnx", model);
  expect_rejected(path, {"input 'input'", "--shape"});
  EXPECT_EQ(test::run_cli({"inspect", path, "--shape", "input=3x4"}).code, 0);
  expect_rejected(path, {"'nope'"}, {"--shape", "nope=3x4"});
}

TEST_F(BadInput, UnsupportedDtype) {
  onnx::ModelProto model = relu_model();
  model.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(
      onnx::TensorProto::STRING);
  expect_rejected(save("dtype.onnx", model), {"input 'input'", "unsupported dtype string"});
  onnx::ModelProto with_init = relu_model();
  auto* init = with_init.mutable_graph()->add_initializer();
  init->set_name("complex_weights");
  init->set_data_type(onnx::TensorProto::COMPLEX64);
  init->add_dims(1);
  expect_rejected(save("dtype2.onnx", with_init), {"complex_weights", "complex64"});
}

TEST_F(BadInput, OpsetOutOfRange) {
  onnx::ModelProto model = relu_model();
  model.mutable_opset_import(0)->set_version(21);
  expect_rejected(save("opset.onnx", model), {"opset 21"});
}

TEST_F(BadInput, ShapeMismatchNamesNode) {
  ModelBuilder b("mismatch", 1);
  std::string x = b.input("input", {1, 4});
  std::string y = b.input("other", {1, 5});
  b.output(b.add(x, y));
  std::string path = dir.file("mismatch.onnx");
  b.save(path);
  expect_rejected(path, {"Add_0"});
}

}  // namespace
}  // namespace cosched
