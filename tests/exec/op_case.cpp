#include "exec/op_case.h"

#include <gtest/gtest.h>

#include <cmath>

#include "cos/exec/graph_executor.h"
#include "cos/exec/reference/reference_backend.h"
#include "cos/onnx/import.h"

namespace cosched::test {

OpCase::OpCase(std::string op, uint64_t seed) : op_(std::move(op)), rng_(seed) {
  model_.set_ir_version(8);
  model_.add_opset_import()->set_version(13);
  auto* node = model_.mutable_graph()->add_node();
  node->set_op_type(op_);
  node->set_name("node");
  model_.mutable_graph()->set_name("case");
}

std::string OpCase::fresh_name() {
  return "in" + std::to_string(model_.graph().node(0).input_size());
}

std::vector<float> OpCase::random(int64_t count) {
  std::uniform_real_distribution<float> dist(lo_, hi_);
  std::vector<float> values(static_cast<size_t>(count));
  for (auto& v : values) v = dist(rng_);
  return values;
}

OpCase& OpCase::input(const Shape& shape) {
  std::string name = fresh_name();
  auto* graph = model_.mutable_graph();
  auto* value = graph->add_input();
  value->set_name(name);
  auto* type = value->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape) type->mutable_shape()->add_dim()->set_dim_value(d);
  graph->mutable_node(0)->add_input(name);
  input_data_.push_back(random(element_count(shape)));
  return *this;
}

OpCase& OpCase::constant(const Shape& shape) {
  std::string name = fresh_name();
  auto* tensor = model_.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : shape) tensor->add_dims(d);
  for (float v : random(element_count(shape))) tensor->add_float_data(v);
  model_.mutable_graph()->mutable_node(0)->add_input(name);
  return *this;
}

OpCase& OpCase::constant_ints(const std::vector<int64_t>& values) {
  std::string name = fresh_name();
  auto* tensor = model_.mutable_graph()->add_initializer();
  tensor->set_name(name);
  tensor->set_data_type(onnx::TensorProto::INT64);
  tensor->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) tensor->add_int64_data(v);
  model_.mutable_graph()->mutable_node(0)->add_input(name);
  return *this;
}

OpCase& OpCase::absent() {
  model_.mutable_graph()->mutable_node(0)->add_input("");
  return *this;
}

OpCase& OpCase::range(float lo, float hi) {
  lo_ = lo;
  hi_ = hi;
  return *this;
}

OpCase& OpCase::attr(const std::string& name, int64_t value) {
  auto* a = model_.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
  return *this;
}

OpCase& OpCase::attr(const std::string& name, float value) {
  auto* a = model_.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(value);
  return *this;
}

OpCase& OpCase::attr(const std::string& name, const std::string& value) {
  auto* a = model_.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(value);
  return *this;
}

OpCase& OpCase::ints(const std::string& name, const std::vector<int64_t>& values) {
  auto* a = model_.mutable_graph()->mutable_node(0)->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
  return *this;
}

OpCase& OpCase::outputs(int count) {
  outputs_ = count;
  return *this;
}

OpCase& OpCase::opset(int version) {
  model_.mutable_opset_import(0)->set_version(version);
  return *this;
}

OpCase& OpCase::tolerance(double relative) {
  tolerance_ = relative;
  return *this;
}

Graph OpCase::graph() const {
  onnx::ModelProto model = model_;
  auto* graph = model.mutable_graph();
  for (int i = 0; i < outputs_; ++i) {
    std::string name = "out" + std::to_string(i);
    graph->mutable_node(0)->add_output(name);
    auto* output = graph->add_output();
    output->set_name(name);
    output->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  return import_model_bytes(model.SerializeAsString(), op_ + " case");
}

std::vector<Tensor> OpCase::run(Backend& backend) const {
  Graph g = graph();
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); ++i)
    inputs.push_back(from_floats(input_data_[i], g.values[g.inputs[i]].shape));
  GraphExecutor executor(std::move(g), backend);
  return executor.run(inputs);
}

std::string OpCase::implementation(Backend& backend) const {
  GraphExecutor executor(graph(), backend);
  std::string text;
  for (const auto& step : executor.steps())
    text += (text.empty() ? "" : " + ") + step.implementation;
  return text;
}

bool OpCase::check(Backend& backend) const {
  {
    Graph g = graph();
    for (const auto& node : g.nodes)
      if (!node.is_view && !backend.supports(g, node)) return false;
  }
  ReferenceBackend reference;
  std::vector<Tensor> expected = run(reference);
  std::vector<Tensor> actual = run(backend);
  EXPECT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size() && i < actual.size(); ++i) {
    std::vector<double> e = to_doubles(expected[i]), a = to_doubles(actual[i]);
    EXPECT_EQ(expected[i].shape, actual[i].shape) << op_ << " output " << i;
    double scale = 1, worst = 0;
    for (double v : e)
      if (std::isfinite(v)) scale = std::max(scale, std::abs(v));
    for (size_t k = 0; k < e.size() && k < a.size(); ++k) {
      if (!std::isfinite(e[k])) continue;
      if (!std::isfinite(a[k])) {
        ADD_FAILURE() << op_ << " output " << i << "[" << k << "] is " << a[k] << ", reference "
                      << e[k];
        return true;
      }
      worst = std::max(worst, std::abs(a[k] - e[k]));
    }
    EXPECT_LE(worst, tolerance_ * scale) << op_ << " output " << i << ": max |diff| " << worst;
  }
  return true;
}

}  // namespace cosched::test
