#include "cos/exec/reference/reference_backend.h"

#include <functional>
#include <map>

#include "cos/common/error.h"
#include "cos/exec/reference/ref_kernels.h"

namespace cosched {
namespace {

using Factory = std::function<std::unique_ptr<Kernel>(const Graph&, const Node&)>;

const std::map<std::string, Factory>& factories() {
  static const std::map<std::string, Factory> table = {{"Conv", ref::conv},
                                                       {"MaxPool", ref::pool},
                                                       {"AveragePool", ref::pool},
                                                       {"GlobalAveragePool", ref::pool},
                                                       {"GlobalMaxPool", ref::pool},
                                                       {"Gemm", ref::gemm},
                                                       {"MatMul", ref::matmul},
                                                       {"Relu", ref::unary},
                                                       {"LeakyRelu", ref::unary},
                                                       {"Clip", ref::unary},
                                                       {"Sigmoid", ref::unary},
                                                       {"HardSigmoid", ref::unary},
                                                       {"HardSwish", ref::unary},
                                                       {"Tanh", ref::unary},
                                                       {"Erf", ref::unary},
                                                       {"Sqrt", ref::unary},
                                                       {"Exp", ref::unary},
                                                       {"Add", ref::binary},
                                                       {"Sub", ref::binary},
                                                       {"Mul", ref::binary},
                                                       {"Div", ref::binary},
                                                       {"Pow", ref::binary},
                                                       {"Softmax", ref::softmax},
                                                       {"ReduceMean", ref::reduce_mean},
                                                       {"BatchNormalization", ref::batch_norm},
                                                       {"LayerNormalization", ref::layer_norm},
                                                       {"Concat", ref::concat},
                                                       {"Transpose", ref::transpose},
                                                       {"Slice", ref::slice},
                                                       {"Split", ref::split},
                                                       {"Gather", ref::gather},
                                                       {"Pad", ref::pad},
                                                       {"Reshape", ref::copy},
                                                       {"Flatten", ref::copy},
                                                       {"Squeeze", ref::copy},
                                                       {"Unsqueeze", ref::copy},
                                                       {"Identity", ref::copy},
                                                       {"Dropout", ref::copy}};
  return table;
}

// Ops that move bytes and so take any dtype; the rest compute in f32.
bool moves_bytes(const std::string& op) {
  return op == "Concat" || op == "Transpose" || op == "Slice" || op == "Split" || op == "Gather" ||
         op == "Reshape" || op == "Flatten" || op == "Squeeze" || op == "Unsqueeze" ||
         op == "Identity" || op == "Dropout" || op == "Pad";
}

bool used(const Graph& graph, const Node& node, size_t output) {
  if (output >= node.outputs.size() || node.outputs[output] < 0) return false;
  int v = node.outputs[output];
  return !graph.values[v].consumers.empty() || graph.is_graph_output(v);
}

bool has_constant(const Graph& graph, const Node& node, size_t input) {
  return graph.constant_input(node, input) != nullptr;
}

}  // namespace

bool ReferenceBackend::supports(const Graph& graph, const Node& node) const {
  if (!factories().count(node.op)) return false;
  for (int v : node.outputs)
    if (v >= 0 && !graph.values[v].has_shape) return false;
  for (int v : node.inputs)
    if (v >= 0 && !graph.values[v].has_shape) return false;
  // Compute ops work in f32.
  if (!moves_bytes(node.op))
    for (int v : node.inputs)
      if (v >= 0 && graph.values[v].dtype != DType::f32) return false;
  // Outputs beyond the first that only training computes (MaxPool indices, BatchNorm
  // running stats).
  if (node.op != "Split" && node.op != "LayerNormalization" && node.op != "Dropout")
    for (size_t i = 1; i < node.outputs.size(); ++i)
      if (used(graph, node, i)) return false;
  if (node.op == "BatchNormalization" && node.attr_int("training_mode", 0) != 0) return false;
  if (node.op == "Dropout" && node.inputs.size() > 2 && node.inputs[2] >= 0) {
    const Tensor* training = graph.constant_input(node, 2);
    if (!training || to_doubles(*training).at(0) != 0) return false;  // random masks
  }
  if (node.op == "Slice" && graph.opset >= 10)
    for (size_t i = 1; i < node.inputs.size(); ++i)
      if (node.inputs[i] >= 0 && !has_constant(graph, node, i)) return false;
  if (node.op == "Pad" && graph.opset >= 11 && !has_constant(graph, node, 1)) return false;
  if (node.op == "Gather") {
    DType t = graph.values[node.inputs[1]].dtype;
    if (t != DType::i32 && t != DType::i64) return false;
  }
  return true;
}

std::unique_ptr<Kernel> ReferenceBackend::compile(const Graph& graph,
                                                  std::span<const Node* const> group) {
  if (group.size() != 1) fail("reference backend: fusion of {} nodes requested", group.size());
  const Node& node = *group[0];
  if (!supports(graph, node))
    fail("node '{}' ({}): not supported by the reference backend", node.name, node.op);
  return factories().at(node.op)(graph, node);
}

}  // namespace cosched
