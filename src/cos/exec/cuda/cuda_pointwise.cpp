// Elementwise kernels: chains of unary steps, broadcasting binary ops, inference batch norm.
#include <cfloat>
#include <cmath>

#include "cos/common/error.h"
#include "cos/exec/cuda/cuda_kernel.h"
#include "cos/exec/cuda/cuda_ops.h"
#include "cos/exec/fusion_patterns.h"

namespace cosched::cuda_ops {

using cuda::PointwiseCode;
using cuda::PointwiseOp;

namespace {

// Input `i` of `node` as one float when it is a one-element constant.
std::optional<float> scalar_constant(const Graph& graph, const Node& node, size_t i) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return std::nullopt;
  const Tensor* t = graph.constant_input(node, i);
  if (!t || t->size() != 1) return std::nullopt;
  return static_cast<float>(to_doubles(*t)[0]);
}

std::optional<PointwiseCode> unary_code(const std::string& op) {
  static const std::map<std::string, PointwiseCode> codes = {
      {"Relu", PointwiseCode::relu},
      {"LeakyRelu", PointwiseCode::leaky_relu},
      {"Sigmoid", PointwiseCode::sigmoid},
      {"HardSigmoid", PointwiseCode::hard_sigmoid},
      {"HardSwish", PointwiseCode::hard_swish},
      {"Tanh", PointwiseCode::tanh},
      {"Erf", PointwiseCode::erf},
      {"Sqrt", PointwiseCode::sqrt},
      {"Exp", PointwiseCode::exp},
      {"Log", PointwiseCode::log},
      {"Neg", PointwiseCode::neg},
      {"Abs", PointwiseCode::abs},
      {"Reciprocal", PointwiseCode::reciprocal},
      {"Elu", PointwiseCode::elu},
      {"Softplus", PointwiseCode::softplus},
      {"Clip", PointwiseCode::clip}};
  auto it = codes.find(op);
  return it == codes.end() ? std::nullopt : std::optional(it->second);
}

bool all_f32(const Graph& graph, const Node& node) {
  for (int v : node.inputs)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return false;
  for (int v : node.outputs)
    if (v >= 0 && graph.values[v].dtype != DType::f32) return false;
  return true;
}

// The input of a one-input step: the only input that is not a one-element constant.
int running_input(const Graph& graph, const Node& node) {
  if (node.inputs.size() == 2 && node.inputs[0] >= 0 && !scalar_constant(graph, node, 0))
    return node.inputs[0];
  if (node.inputs.size() == 2 && !scalar_constant(graph, node, 1)) return node.inputs[1];
  return node.inputs.empty() ? -1 : node.inputs[0];
}

class PointwiseKernel : public CudaKernel {
 public:
  PointwiseKernel(CudaContext& context, const Graph& graph, Group group, size_t input,
                  cuda::Epilogue epilogue, std::string name)
      : CudaKernel(context, graph, group, std::move(name)),
        input_(input),
        n_(element_count(graph.values[group.back()->outputs[0]].shape)),
        epilogue_(epilogue) {}
  void run(const KernelArgs& args) override {
    cuda::pointwise(in(args, input_), out(args), n_, epilogue_, stream());
  }

 private:
  size_t input_;
  int64_t n_;
  cuda::Epilogue epilogue_;
};

class BinaryKernel : public CudaKernel {
 public:
  BinaryKernel(CudaContext& context, const Graph& graph, Group group, cuda::BinaryCode code,
               cuda::Epilogue epilogue)
      : CudaKernel(context, graph, group, "cuda:binary"), code_(code), epilogue_(epilogue) {
    const Node& head = *group[0];
    const Shape& y = graph.values[head.outputs[0]].shape;
    broadcast_into(index_, 0, graph.values[head.inputs[0]].shape, y);
    broadcast_into(index_, 1, graph.values[head.inputs[1]].shape, y);
    n_ = element_count(y);
  }
  void run(const KernelArgs& args) override {
    cuda::binary(code_, in(args, 0), in(args, 1), out(args), n_, index_, epilogue_, stream());
  }

 private:
  cuda::BinaryCode code_;
  cuda::Epilogue epilogue_;
  cuda::Indexer index_;
  int64_t n_ = 0;
};

// Inference batch norm as a per-channel affine map, computed once from the constants.
class BatchNormKernel : public CudaKernel {
 public:
  BatchNormKernel(CudaContext& context, const Graph& graph, Group group)
      : CudaKernel(context, graph, group, "cuda:batchnorm") {
    const Node& node = *group[0];
    const Shape& x = graph.values[node.inputs[0]].shape;
    auto constant = [&](size_t i) { return to_doubles(*graph.constant_input(node, i)); };
    std::vector<double> gamma = constant(1), beta = constant(2), mean = constant(3),
                        var = constant(4);
    const double epsilon = node.attr_float("epsilon", 1e-5);
    std::vector<float> scale(gamma.size()), shift(gamma.size());
    for (size_t c = 0; c < gamma.size(); ++c) {
      scale[c] = static_cast<float>(gamma[c] / std::sqrt(var[c] + epsilon));
      shift[c] = static_cast<float>(beta[c] - mean[c] * scale[c]);
    }
    scale_ = DeviceBuffer::upload(scale.data(), scale.size() * sizeof(float));
    shift_ = DeviceBuffer::upload(shift.data(), shift.size() * sizeof(float));
    n_ = element_count(x);
    epilogue_.scale = static_cast<const float*>(scale_.get());
    epilogue_.bias = static_cast<const float*>(shift_.get());
    epilogue_.channels = x.size() > 1 ? x[1] : 1;
    epilogue_.inner = x.size() > 2 ? element_count(Shape(x.begin() + 2, x.end())) : 1;
    add_chain(graph, group, 1, node.outputs[0], epilogue_);
  }
  void run(const KernelArgs& args) override {
    cuda::pointwise(in(args, 0), out(args), n_, epilogue_, stream());
  }

 private:
  DeviceBuffer scale_, shift_;
  cuda::Epilogue epilogue_;
  int64_t n_ = 0;
};

}  // namespace

std::optional<PointwiseOp> pointwise_of(const Graph& graph, const Node& node, int from) {
  if (node.outputs.size() != 1 || from < 0 || !all_f32(graph, node)) return std::nullopt;
  if (element_count(graph.values[node.outputs[0]].shape) != element_count(graph.values[from].shape))
    return std::nullopt;
  if (auto code = unary_code(node.op)) {
    if (node.inputs[0] != from) return std::nullopt;
    PointwiseOp op{*code};
    if (*code == PointwiseCode::leaky_relu)
      op.a = static_cast<float>(node.attr_float("alpha", 0.01));
    if (*code == PointwiseCode::elu) op.a = static_cast<float>(node.attr_float("alpha", 1.0));
    if (*code == PointwiseCode::hard_sigmoid) {
      op.a = static_cast<float>(node.attr_float("alpha", 0.2));
      op.b = static_cast<float>(node.attr_float("beta", 0.5));
    }
    if (*code == PointwiseCode::clip) {
      op.a = node.has_attr("min") ? static_cast<float>(node.attr_float("min", 0)) : -FLT_MAX;
      op.b = node.has_attr("max") ? static_cast<float>(node.attr_float("max", 0)) : FLT_MAX;
      for (size_t i = 1; i < node.inputs.size(); ++i) {
        if (node.inputs[i] < 0) continue;
        auto bound = scalar_constant(graph, node, i);
        if (!bound) return std::nullopt;  // a bound computed at run time
        (i == 1 ? op.a : op.b) = *bound;
      }
    }
    return op;
  }
  static const std::map<std::string, std::pair<PointwiseCode, PointwiseCode>> binary = {
      {"Add", {PointwiseCode::add_c, PointwiseCode::add_c}},
      {"Sub", {PointwiseCode::sub_c, PointwiseCode::rsub_c}},
      {"Mul", {PointwiseCode::mul_c, PointwiseCode::mul_c}},
      {"Div", {PointwiseCode::div_c, PointwiseCode::rdiv_c}},
      {"Pow", {PointwiseCode::pow_c, PointwiseCode::pow_c}}};
  auto it = binary.find(node.op);
  if (it == binary.end() || node.inputs.size() != 2) return std::nullopt;
  if (node.inputs[0] == from && node.inputs[1] != from)
    if (auto c = scalar_constant(graph, node, 1)) return PointwiseOp{it->second.first, *c};
  if (node.inputs[1] == from && node.inputs[0] != from && node.op != "Pow")
    if (auto c = scalar_constant(graph, node, 0)) return PointwiseOp{it->second.second, *c};
  return std::nullopt;
}

void add_chain(const Graph& graph, Group group, size_t first, int from, cuda::Epilogue& e) {
  for (size_t k = first; k < group.size();) {
    PointwiseOp op;
    size_t taken = 1;
    if (k + 5 <= group.size() && is_gelu(graph, group.subspan(k, 5))) {
      op.code = PointwiseCode::gelu;
      taken = 5;
    } else if (k + 2 <= group.size() && is_swish_mul(*group[k], *group[k + 1])) {
      op.code = PointwiseCode::silu;
      taken = 2;
    } else if (auto step = pointwise_of(graph, *group[k], from)) {
      op = *step;
    } else {
      fail("node '{}' ({}): not an elementwise step of its fused group", group[k]->name,
           group[k]->op);
    }
    if (e.n_ops == cuda::Epilogue::max_ops) fail("node '{}': too many fused steps", group[k]->name);
    e.ops[e.n_ops++] = op;
    k += taken;
    from = group[k - 1]->outputs[0];
  }
}

bool continues_chain(const Graph& graph, Group group, const Node& next) {
  if (group.size() >= cuda::Epilogue::max_ops) return false;  // each node adds at most one step
  for (size_t j = group.size() > 4 ? group.size() - 4 : 0; j < group.size(); ++j)
    if (gelu_continues(graph, group.subspan(j), next)) return true;
  return is_swish_mul(*group.back(), next) ||
         pointwise_of(graph, next, group.back()->outputs[0]).has_value();
}

bool is_binary(const std::string& op) {
  return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Pow" || op == "Max" ||
         op == "Min";
}

bool is_pointwise(const Graph& graph, const Node& node) {
  return pointwise_of(graph, node, running_input(graph, node)).has_value();
}

AddRole add_role(const Graph& graph, const Node& head, const Node& add, size_t* other) {
  const int produced = head.outputs[0];
  if (add.op != "Add" || add.inputs.size() != 2 || add.inputs[0] == add.inputs[1])
    return AddRole::none;
  const size_t o = add.inputs[0] == produced ? 1 : 0;
  if (add.inputs[1 - o] != produced || !all_f32(graph, add)) return AddRole::none;
  if (other) *other = o;
  const Value& operand = graph.values[add.inputs[o]];
  const Shape& y = graph.values[produced].shape;
  if (operand.shape == y && graph.values[add.outputs[0]].shape == y) return AddRole::residual;
  const bool has_c = head.op == "Gemm" && head.inputs.size() > 2 && head.inputs[2] >= 0;
  if ((head.op == "Gemm" || head.op == "MatMul") && !has_c && operand.is_constant() && !y.empty() &&
      !operand.shape.empty() && operand.shape.back() == y.back() &&
      element_count(operand.shape) == y.back() && graph.values[add.outputs[0]].shape == y)
    return AddRole::bias;
  return AddRole::none;
}

std::unique_ptr<Kernel> pointwise(CudaContext& context, const Graph& graph, Group group) {
  const Node& head = *group[0];
  const int from = running_input(graph, head);
  cuda::Epilogue e;
  add_chain(graph, group, 0, from, e);
  size_t input = head.inputs[0] == from ? 0 : 1;
  std::string name = "cuda:pointwise";
  if (group.size() > 1) name += fmt::format("x{}", e.n_ops);
  return std::make_unique<PointwiseKernel>(context, graph, group, input, e, name);
}

std::unique_ptr<Kernel> binary(CudaContext& context, const Graph& graph, Group group) {
  const Node& head = *group[0];
  static const std::map<std::string, cuda::BinaryCode> codes = {
      {"Add", cuda::BinaryCode::add}, {"Sub", cuda::BinaryCode::sub},
      {"Mul", cuda::BinaryCode::mul}, {"Div", cuda::BinaryCode::div},
      {"Pow", cuda::BinaryCode::pow}, {"Max", cuda::BinaryCode::max},
      {"Min", cuda::BinaryCode::min}};
  if (head.inputs.size() != 2 || !all_f32(graph, head)) return nullptr;
  cuda::Epilogue e;
  add_chain(graph, group, 1, head.outputs[0], e);
  return std::make_unique<BinaryKernel>(context, graph, group, codes.at(head.op), e);
}

std::unique_ptr<Kernel> batch_norm(CudaContext& context, const Graph& graph, Group group) {
  const Node& node = *group[0];
  if (!all_f32(graph, node) || node.outputs.size() != 1 || node.inputs.size() != 5) return nullptr;
  for (size_t i = 1; i < 5; ++i)
    if (!graph.constant_input(node, i)) return nullptr;
  if (graph.values[node.inputs[0]].shape.size() < 2) return nullptr;
  return std::make_unique<BatchNormKernel>(context, graph, group);
}

}  // namespace cosched::cuda_ops
