#include "cos/onnx/builder.h"

#include <cmath>
#include <fstream>

#include "cos/common/error.h"

namespace cosched {

ModelBuilder::ModelBuilder(std::string name, uint64_t seed, int opset) : rng_(seed) {
  model_.set_ir_version(8);
  model_.set_producer_name("cos-builder");
  auto* import = model_.add_opset_import();
  import->set_domain("");
  import->set_version(opset);
  model_.mutable_graph()->set_name(std::move(name));
}

std::string ModelBuilder::fresh(const std::string& prefix) {
  return fmt::format("{}_{}", prefix, counters_[prefix]++);
}

const Shape& ModelBuilder::shape(const std::string& value) const {
  auto it = shapes_.find(value);
  if (it == shapes_.end()) fail("builder: unknown value '{}'", value);
  return it->second;
}

std::string ModelBuilder::input(const std::string& name, const Shape& shape, bool int64) {
  auto* info = model_.mutable_graph()->add_input();
  info->set_name(name);
  auto* type = info->mutable_type()->mutable_tensor_type();
  type->set_elem_type(int64 ? onnx::TensorProto::INT64 : onnx::TensorProto::FLOAT);
  for (int64_t dim : shape) type->mutable_shape()->add_dim()->set_dim_value(dim);
  shapes_[name] = shape;
  return name;
}

void ModelBuilder::output(const std::string& value) {
  auto* info = model_.mutable_graph()->add_output();
  info->set_name(value);
  auto* type = info->mutable_type()->mutable_tensor_type();
  type->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t dim : shape(value)) type->mutable_shape()->add_dim()->set_dim_value(dim);
}

std::string ModelBuilder::weight(const Shape& shape, float stddev) {
  std::normal_distribution<float> normal(0.0f, stddev);
  std::vector<float> values(static_cast<size_t>(element_count(shape)));
  for (float& v : values) v = normal(rng_);
  return constant(values, shape);
}

std::string ModelBuilder::constant(const std::vector<float>& values, const Shape& shape) {
  std::string name = fresh("w");
  auto* init = model_.mutable_graph()->add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t dim : shape) init->add_dims(dim);
  init->set_raw_data(values.data(), values.size() * sizeof(float));
  shapes_[name] = shape;
  return name;
}

std::string ModelBuilder::constant_ints(const std::vector<int64_t>& values) {
  std::string name = fresh("c");
  auto* init = model_.mutable_graph()->add_initializer();
  init->set_name(name);
  init->set_data_type(onnx::TensorProto::INT64);
  init->add_dims(static_cast<int64_t>(values.size()));
  init->set_raw_data(values.data(), values.size() * sizeof(int64_t));
  shapes_[name] = {static_cast<int64_t>(values.size())};
  return name;
}

std::string ModelBuilder::node(const std::string& op, const std::vector<std::string>& inputs,
                               const Shape& out_shape,
                               const std::vector<onnx::AttributeProto>& attrs) {
  auto* node = model_.mutable_graph()->add_node();
  std::string name = fresh(op);
  node->set_name(name);
  node->set_op_type(op);
  for (const auto& in : inputs) node->add_input(in);
  std::string out = name + "_out";
  node->add_output(out);
  for (const auto& a : attrs) *node->add_attribute() = a;
  shapes_[out] = out_shape;
  return out;
}

std::string ModelBuilder::layer_norm_decomposed(const std::string& x, bool affine) {
  const Shape shape = this->shape(x);
  Shape reduced = shape;
  reduced.back() = 1;
  const auto last_axis = attr("axes", std::vector<int64_t>{-1});
  std::string mean = node("ReduceMean", {x}, reduced, {last_axis});
  std::string centered = node("Sub", {x, mean}, shape);
  std::string square = node("Pow", {centered, constant({2.0f}, {})}, shape);
  std::string var = node("ReduceMean", {square}, reduced, {last_axis});
  std::string deviation =
      node("Sqrt", {node("Add", {var, constant({1e-5f}, {})}, reduced)}, reduced);
  std::string y = node("Div", {centered, deviation}, shape);
  if (!affine) return y;
  y = node("Mul", {y, weight({shape.back()}, 1.0f)}, shape);
  return node("Add", {y, weight({shape.back()}, 0.5f)}, shape);
}

onnx::AttributeProto ModelBuilder::attr(const std::string& name, int64_t value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INT);
  a.set_i(value);
  return a;
}

onnx::AttributeProto ModelBuilder::attr(const std::string& name, float value) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::FLOAT);
  a.set_f(value);
  return a;
}

onnx::AttributeProto ModelBuilder::attr(const std::string& name,
                                        const std::vector<int64_t>& values) {
  onnx::AttributeProto a;
  a.set_name(name);
  a.set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a.add_ints(v);
  return a;
}

std::string ModelBuilder::conv(const std::string& x, int64_t out_channels, int64_t kernel,
                               int64_t stride, int64_t group, bool bias) {
  const Shape& in = shape(x);
  int64_t pad = kernel / 2;
  // He initialisation keeps activations in range through depth.
  float stddev = std::sqrt(2.0f / static_cast<float>(in[1] / group * kernel * kernel));
  std::vector<std::string> inputs = {x,
                                     weight({out_channels, in[1] / group, kernel, kernel}, stddev)};
  if (bias) inputs.push_back(weight({out_channels}, 0.01f));
  Shape out = {in[0], out_channels, (in[2] + 2 * pad - kernel) / stride + 1,
               (in[3] + 2 * pad - kernel) / stride + 1};
  return node("Conv", inputs, out,
              {attr("kernel_shape", std::vector<int64_t>{kernel, kernel}),
               attr("strides", std::vector<int64_t>{stride, stride}),
               attr("pads", std::vector<int64_t>{pad, pad, pad, pad}), attr("group", group)});
}

std::string ModelBuilder::batch_norm(const std::string& x) {
  int64_t channels = shape(x)[1];
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  std::vector<float> scale(channels), var(channels);
  for (auto& v : scale) v = uniform(rng_);
  for (auto& v : var) v = uniform(rng_);
  std::string gamma = constant(scale, {channels});
  std::string beta = weight({channels}, 0.1f);
  std::string mean = weight({channels}, 0.1f);
  std::string variance = constant(var, {channels});
  return node("BatchNormalization", {x, gamma, beta, mean, variance}, shape(x),
              {attr("epsilon", 1e-5f)});
}

std::string ModelBuilder::relu(const std::string& x) {
  return node("Relu", {x}, shape(x));
}

std::string ModelBuilder::relu6(const std::string& x) {
  std::string low = constant({0.0f}, {});
  std::string high = constant({6.0f}, {});
  return node("Clip", {x, low, high}, shape(x));
}

std::string ModelBuilder::sigmoid(const std::string& x) {
  return node("Sigmoid", {x}, shape(x));
}

std::string ModelBuilder::add(const std::string& a, const std::string& b) {
  return node("Add", {a, b}, shape(a).size() >= shape(b).size() ? shape(a) : shape(b));
}

std::string ModelBuilder::mul(const std::string& a, const std::string& b) {
  return node("Mul", {a, b}, shape(a).size() >= shape(b).size() ? shape(a) : shape(b));
}

std::string ModelBuilder::max_pool(const std::string& x, int64_t kernel, int64_t stride) {
  const Shape& in = shape(x);
  int64_t pad = kernel / 2;
  Shape out = {in[0], in[1], (in[2] + 2 * pad - kernel) / stride + 1,
               (in[3] + 2 * pad - kernel) / stride + 1};
  return node("MaxPool", {x}, out,
              {attr("kernel_shape", std::vector<int64_t>{kernel, kernel}),
               attr("strides", std::vector<int64_t>{stride, stride}),
               attr("pads", std::vector<int64_t>{pad, pad, pad, pad})});
}

std::string ModelBuilder::global_avg_pool(const std::string& x) {
  const Shape& in = shape(x);
  return node("GlobalAveragePool", {x}, {in[0], in[1], 1, 1});
}

std::string ModelBuilder::flatten(const std::string& x) {
  const Shape& in = shape(x);
  return node("Flatten", {x}, {in[0], element_count(in) / in[0]}, {attr("axis", int64_t{1})});
}

std::string ModelBuilder::gemm(const std::string& x, int64_t out_features) {
  int64_t in_features = shape(x)[1];
  std::string w =
      weight({out_features, in_features}, std::sqrt(1.0f / static_cast<float>(in_features)));
  std::string b = weight({out_features}, 0.01f);
  return node("Gemm", {x, w, b}, {shape(x)[0], out_features}, {attr("transB", int64_t{1})});
}

std::string ModelBuilder::matmul(const std::string& a, const std::string& b) {
  Shape out = shape(a).size() >= shape(b).size() ? shape(a) : shape(b);
  out[out.size() - 2] = shape(a)[shape(a).size() - 2];
  out.back() = shape(b).back();
  return node("MatMul", {a, b}, out);
}

std::string ModelBuilder::linear(const std::string& x, int64_t out_features) {
  int64_t in_features = shape(x).back();
  std::string w =
      weight({in_features, out_features}, std::sqrt(1.0f / static_cast<float>(in_features)));
  return add(matmul(x, w), weight({out_features}, 0.01f));
}

std::string ModelBuilder::softmax(const std::string& x, int64_t axis) {
  return node("Softmax", {x}, shape(x), {attr("axis", axis)});
}

std::string ModelBuilder::transpose(const std::string& x, const std::vector<int64_t>& perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(shape(x)[p]);
  return node("Transpose", {x}, out, {attr("perm", perm)});
}

std::string ModelBuilder::reshape(const std::string& x, const Shape& target) {
  return node("Reshape", {x, constant_ints(target)}, target);
}

std::string ModelBuilder::concat(const std::vector<std::string>& xs, int64_t axis) {
  Shape out = shape(xs.at(0));
  out[axis] = 0;
  for (const auto& x : xs) out[axis] += shape(x)[axis];
  return node("Concat", xs, out, {attr("axis", axis)});
}

std::string ModelBuilder::identity(const std::string& x) {
  return node("Identity", {x}, shape(x));
}

std::string ModelBuilder::conv_block(const std::string& x, int64_t out_channels, int64_t kernel,
                                     int64_t stride) {
  return relu(batch_norm(conv(x, out_channels, kernel, stride, 1, false)));
}

std::string ModelBuilder::residual_block(const std::string& x, int64_t out_channels,
                                         int64_t stride) {
  std::string y = conv_block(x, out_channels, 3, stride);
  y = batch_norm(conv(y, out_channels, 3, 1, 1, false));
  std::string shortcut = x;
  if (stride != 1 || shape(x)[1] != out_channels) {
    shortcut = batch_norm(conv(x, out_channels, 1, stride, 1, false));
  }
  return relu(add(y, shortcut));
}

std::string ModelBuilder::depthwise_block(const std::string& x, int64_t out_channels,
                                          int64_t stride, int64_t expand) {
  int64_t hidden = shape(x)[1] * expand;
  std::string y = relu6(batch_norm(conv(x, hidden, 1, 1, 1, false)));
  y = relu6(batch_norm(conv(y, hidden, 3, stride, hidden, false)));
  y = batch_norm(conv(y, out_channels, 1, 1, 1, false));
  if (stride == 1 && shape(x)[1] == out_channels) y = add(y, x);
  return y;
}

std::string ModelBuilder::inception_block(const std::string& x, int64_t c1, int64_t c3, int64_t c5,
                                          int64_t cpool) {
  std::string b1 = conv_block(x, c1, 1);
  std::string b3 = conv_block(conv_block(x, c3 / 2, 1), c3, 3);
  std::string b5 = conv_block(conv_block(x, c5 / 2, 1), c5, 5);
  std::string bp = conv_block(max_pool(x, 3, 1), cpool, 1);
  return concat({b1, b3, b5, bp}, 1);
}

std::string ModelBuilder::attention_block(const std::string& x, int64_t heads) {
  const Shape in = shape(x);
  const int64_t batch = in[0], tokens = in[1], dim = in[2], head_dim = dim / heads;
  auto split_heads = [&](const std::string& t, const std::vector<int64_t>& perm) {
    return transpose(reshape(t, {batch, tokens, heads, head_dim}), perm);
  };
  std::string q = split_heads(linear(x, dim), {0, 2, 1, 3});  // [B, H, T, hd]
  std::string k = split_heads(linear(x, dim), {0, 2, 3, 1});  // [B, H, hd, T]
  std::string v = split_heads(linear(x, dim), {0, 2, 1, 3});
  std::string scale = constant({1.0f / std::sqrt(static_cast<float>(head_dim))}, {});
  std::string scores = softmax(mul(matmul(q, k), scale), -1);
  std::string context = reshape(transpose(matmul(scores, v), {0, 2, 1, 3}), {batch, tokens, dim});
  std::string attended = add(x, linear(context, dim));
  std::string hidden = relu(linear(attended, 2 * dim));
  return add(attended, linear(hidden, dim));
}

std::string ModelBuilder::channel_shuffle(const std::string& x, int64_t groups) {
  const Shape in = shape(x);
  std::string dims = node("Shape", {x}, {4});
  auto dim = [&](int64_t i) {
    std::string index = constant_ints({i});
    model_.mutable_graph()->mutable_initializer()->rbegin()->clear_dims();  // a scalar index
    std::string scalar = node("Gather", {dims, index}, {}, {attr("axis", int64_t{0})});
    return node("Unsqueeze", {scalar, constant_ints({0})}, {1});
  };
  std::string batch = dim(0), height = dim(2), width = dim(3);
  std::string g = constant_ints({groups});
  std::string per_group = constant_ints({in[1] / groups});
  std::string split_shape =
      node("Concat", {batch, g, per_group, height, width}, {5}, {attr("axis", int64_t{0})});
  std::string split =
      node("Reshape", {x, split_shape}, {in[0], groups, in[1] / groups, in[2], in[3]});
  std::string swapped = transpose(split, {0, 2, 1, 3, 4});
  std::string channels = constant_ints({in[1]});
  std::string merge_shape =
      node("Concat", {batch, channels, height, width}, {4}, {attr("axis", int64_t{0})});
  return node("Reshape", {swapped, merge_shape}, in);
}

onnx::ModelProto ModelBuilder::build() const {
  return model_;
}

std::string ModelBuilder::serialize() const {
  return model_.SerializeAsString();
}

void ModelBuilder::save(const std::string& path) const {
  std::ofstream file(path, std::ios::binary);
  if (!file || !model_.SerializeToOstream(&file)) fail("{}: cannot write model", path);
}

}  // namespace cosched
