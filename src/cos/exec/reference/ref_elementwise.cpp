// Reference unary and broadcasting binary element-wise ops.
#include <cmath>
#include <map>

#include "cos/common/error.h"
#include "cos/exec/reference/ref_kernels.h"
#include "cos/exec/reference/ref_util.h"

namespace cosched::ref {
namespace {

enum class Unary {
  relu,
  leaky_relu,
  clip,
  sigmoid,
  hard_sigmoid,
  hard_swish,
  tanh,
  erf,
  sqrt,
  exp
};
enum class Binary { add, sub, mul, div, pow };

Unary unary_op(const Node& node) {
  static const std::map<std::string, Unary> ops = {{"Relu", Unary::relu},
                                                   {"LeakyRelu", Unary::leaky_relu},
                                                   {"Clip", Unary::clip},
                                                   {"Sigmoid", Unary::sigmoid},
                                                   {"HardSigmoid", Unary::hard_sigmoid},
                                                   {"HardSwish", Unary::hard_swish},
                                                   {"Tanh", Unary::tanh},
                                                   {"Erf", Unary::erf},
                                                   {"Sqrt", Unary::sqrt},
                                                   {"Exp", Unary::exp}};
  auto it = ops.find(node.op);
  if (it == ops.end()) fail("node '{}': {} is not a unary op", node.name, node.op);
  return it->second;
}

Binary binary_op(const Node& node) {
  static const std::map<std::string, Binary> ops = {{"Add", Binary::add},
                                                    {"Sub", Binary::sub},
                                                    {"Mul", Binary::mul},
                                                    {"Div", Binary::div},
                                                    {"Pow", Binary::pow}};
  auto it = ops.find(node.op);
  if (it == ops.end()) fail("node '{}': {} is not a binary op", node.name, node.op);
  return it->second;
}

}  // namespace

std::unique_ptr<Kernel> unary(const Graph& graph, const Node& node) {
  const int64_t count = element_count(shape_of(graph, node.outputs[0]));
  const Unary op = unary_op(node);
  const float alpha =
      static_cast<float>(node.attr_float("alpha", op == Unary::leaky_relu ? 0.01 : 0.2));
  const float beta = static_cast<float>(node.attr_float("beta", 0.5));
  // Clip bounds: attributes before opset 11, optional inputs (read at run time) from 11.
  const float lo = static_cast<float>(node.attr_float("min", -INFINITY));
  const float hi = static_cast<float>(node.attr_float("max", INFINITY));
  return kernel([=](const KernelArgs& args) {
    auto* x = static_cast<const float*>(args.inputs[0]);
    auto* y = static_cast<float*>(args.outputs[0]);
    float min = lo, max = hi;
    if (args.inputs.size() > 1 && args.inputs[1]) min = *static_cast<const float*>(args.inputs[1]);
    if (args.inputs.size() > 2 && args.inputs[2]) max = *static_cast<const float*>(args.inputs[2]);
    for (int64_t i = 0; i < count; ++i) {
      const float v = x[i];
      switch (op) {
        case Unary::relu:
          y[i] = v > 0 ? v : 0.0f;
          break;
        case Unary::leaky_relu:
          y[i] = v >= 0 ? v : alpha * v;
          break;
        case Unary::clip:
          y[i] = std::min(std::max(v, min), max);
          break;
        case Unary::sigmoid:
          y[i] = 1.0f / (1.0f + std::exp(-v));
          break;
        case Unary::hard_sigmoid:
          y[i] = std::max(0.0f, std::min(1.0f, alpha * v + beta));
          break;
        case Unary::hard_swish:
          y[i] = v * std::max(0.0f, std::min(1.0f, v / 6.0f + 0.5f));
          break;
        case Unary::tanh:
          y[i] = std::tanh(v);
          break;
        case Unary::erf:
          y[i] = std::erf(v);
          break;
        case Unary::sqrt:
          y[i] = std::sqrt(v);
          break;
        case Unary::exp:
          y[i] = std::exp(v);
          break;
      }
    }
  });
}

std::unique_ptr<Kernel> binary(const Graph& graph, const Node& node) {
  const Shape& y = shape_of(graph, node.outputs[0]);
  std::vector<Shape> strides = {broadcast_strides(shape_of(graph, node.inputs[0]), y),
                                broadcast_strides(shape_of(graph, node.inputs[1]), y),
                                strides_of(y)};
  const Binary op = binary_op(node);
  return kernel([=](const KernelArgs& args) {
    auto* a = static_cast<const float*>(args.inputs[0]);
    auto* b = static_cast<const float*>(args.inputs[1]);
    auto* out = static_cast<float*>(args.outputs[0]);
    for_each_offset(y, strides, [&](const std::vector<int64_t>& o) {
      const float u = a[o[0]], v = b[o[1]];
      switch (op) {
        case Binary::add:
          out[o[2]] = u + v;
          break;
        case Binary::sub:
          out[o[2]] = u - v;
          break;
        case Binary::mul:
          out[o[2]] = u * v;
          break;
        case Binary::div:
          out[o[2]] = u / v;
          break;
        case Binary::pow:
          out[o[2]] = std::pow(u, v);
          break;
      }
    });
  });
}

}  // namespace cosched::ref
