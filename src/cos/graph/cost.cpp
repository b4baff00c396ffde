#include "cos/graph/cost.h"

#include <set>
#include <string>

namespace cosched {
namespace {

int64_t output_elements(const Graph& graph, const Node& node) {
  if (node.outputs.empty() || node.outputs[0] < 0) return 0;
  const Value& out = graph.values[node.outputs[0]];
  return out.has_shape ? element_count(out.shape) : 0;
}

int64_t input_elements(const Graph& graph, const Node& node) {
  if (node.inputs.empty() || node.inputs[0] < 0) return 0;
  const Value& in = graph.values[node.inputs[0]];
  return in.has_shape ? element_count(in.shape) : 0;
}

int64_t matmul_macs(const Graph& graph, const Node& node) {
  if (node.inputs.size() < 2 || node.inputs[0] < 0 || node.inputs[1] < 0) return 0;
  const Value& a = graph.values[node.inputs[0]];
  const Value& out = graph.values[node.outputs[0]];
  if (!a.has_shape || !out.has_shape || a.shape.empty()) return 0;
  int64_t k = a.shape.back();
  if (node.op == "Gemm" && node.attr_int("transA", 0) && a.shape.size() == 2) k = a.shape[0];
  return element_count(out.shape) * k;
}

int64_t conv_macs(const Graph& graph, const Node& node) {
  if (node.inputs.size() < 2 || node.inputs[1] < 0) return 0;
  const Value& weight = graph.values[node.inputs[1]];
  if (!weight.has_shape || weight.shape.size() < 2) return 0;
  // Each output element is a dot product over (Cin/group) x kernel.
  return output_elements(graph, node) * dims_product(weight.shape, 1, weight.shape.size());
}

int64_t kernel_size(const Node& node) {
  int64_t size = 1;
  for (int64_t k : node.attr_ints("kernel_shape")) size *= k;
  return size;
}

const std::set<std::string> kUnaryArithmetic = {
    "Relu",  "LeakyRelu", "Clip",    "Sigmoid", "HardSigmoid", "HardSwish",  "Tanh", "Erf",
    "Sqrt",  "Exp",       "Log",     "Neg",     "Abs",         "Reciprocal", "Cast", "Add",
    "Sub",   "Mul",       "Div",     "Pow",     "Sum",         "Max",        "Min",  "Where",
    "Equal", "Less",      "Greater", "Not",     "Floor",       "Ceil",       "Gelu"};

}  // namespace

NodeCost& NodeCost::operator+=(const NodeCost& other) {
  macs += other.macs;
  flops += other.flops;
  params += other.params;
  param_bytes += other.param_bytes;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  return *this;
}

NodeCost node_cost(const Graph& graph, const Node& node) {
  NodeCost cost;
  for (int in : node.inputs) {
    if (in < 0) continue;
    const Value& value = graph.values[in];
    if (value.is_constant()) {
      if (is_floating(value.dtype)) {
        cost.params += value.data->size();
        cost.param_bytes += value.bytes();
      }
    } else {
      cost.bytes_in += value.bytes();
    }
  }
  for (int out : node.outputs) {
    if (out >= 0) cost.bytes_out += graph.values[out].bytes();
  }
  if (node.is_view) return cost;
  const std::string& op = node.op;
  const int64_t out = output_elements(graph, node);
  if (op == "Conv") {
    cost.macs = conv_macs(graph, node);
    cost.flops = 2 * cost.macs + (node.inputs.size() > 2 && node.inputs[2] >= 0 ? out : 0);
  } else if (op == "Gemm" || op == "MatMul") {
    cost.macs = matmul_macs(graph, node);
    cost.flops = 2 * cost.macs + (op == "Gemm" && node.inputs.size() > 2 ? out : 0);
  } else if (op == "MaxPool" || op == "AveragePool") {
    cost.flops = out * kernel_size(node);
  } else if (op == "GlobalAveragePool" || op == "GlobalMaxPool" || op == "ReduceMean" ||
             op == "ReduceSum" || op == "ReduceMax") {
    cost.flops = input_elements(graph, node);
  } else if (op == "Softmax") {
    cost.flops = 3 * out;  // exp, sum, divide
  } else if (op == "BatchNormalization") {
    cost.flops = 2 * out;
  } else if (op == "LayerNormalization") {
    cost.flops = 5 * out;
  } else if (kUnaryArithmetic.count(op)) {
    cost.flops = out;
  }
  return cost;
}

NodeCost total_cost(const Graph& graph) {
  NodeCost total;
  for (const auto& node : graph.nodes) total += node_cost(graph, node);
  return total;
}

}  // namespace cosched
