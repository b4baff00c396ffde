#include "cos/exec/fusion_patterns.h"

#include <cmath>

namespace cosched {
namespace {

// Whether input `i` of `node` is a constant with the single value `expected`.
bool scalar_is(const Graph& graph, const Node& node, size_t i, double expected) {
  const Tensor* t = graph.constant_input(node, i);
  return t && t->size() == 1 && std::abs(to_doubles(*t)[0] - expected) < 1e-4 * expected;
}

// The input of `node` that is not `value` (binary ops), or -1 when both or neither are.
int other_input(const Node& node, int value) {
  if (node.inputs.size() != 2) return -1;
  if (node.inputs[0] == value && node.inputs[1] != value) return 1;
  if (node.inputs[1] == value && node.inputs[0] != value) return 0;
  return -1;
}

}  // namespace

bool gelu_continues(const Graph& graph, std::span<const Node* const> group, const Node& next) {
  const Node& head = *group[0];
  if (head.op != "Div" || head.inputs.size() != 2 || !scalar_is(graph, head, 1, std::sqrt(2.0)))
    return false;
  const int previous = group.back()->outputs[0];
  if (next.inputs.empty() || next.outputs.size() != 1) return false;
  const int other = other_input(next, previous);
  switch (group.size()) {
    case 1:
      return next.op == "Erf" && next.inputs[0] == previous;
    case 2:
      return next.op == "Add" && other >= 0 && scalar_is(graph, next, other, 1.0);
    case 3:
      return next.op == "Mul" && other >= 0 && next.inputs[other] == head.inputs[0];
    case 4:
      return next.op == "Mul" && other >= 0 && scalar_is(graph, next, other, 0.5);
    default:
      return false;
  }
}

bool is_gelu(const Graph& graph, std::span<const Node* const> group) {
  if (group.size() != 5) return false;
  for (size_t k = 1; k < group.size(); ++k)
    if (!gelu_continues(graph, group.first(k), *group[k])) return false;
  return true;
}

bool is_swish_mul(const Node& sigmoid, const Node& next) {
  if (sigmoid.op != "Sigmoid" || next.op != "Mul" || next.inputs.size() != 2) return false;
  const int x = sigmoid.inputs[0], s = sigmoid.outputs[0];
  return (next.inputs[0] == x && next.inputs[1] == s) ||
         (next.inputs[0] == s && next.inputs[1] == x);
}

namespace {

// The only consumer of `value` with op `op`, or nullptr.
const Node* consumer(const Graph& graph, int value, const std::string& op) {
  const Node* found = nullptr;
  for (int c : graph.values[value].consumers)
    if (graph.nodes[c].op == op) {
      if (found) return nullptr;
      found = &graph.nodes[c];
    }
  return found;
}

bool reduces_last_axis(const Graph& graph, const Node& node) {
  const Shape& x = graph.values[node.inputs[0]].shape;
  const std::vector<int64_t> axes = node.attr_ints("axes", {});
  return node.op == "ReduceMean" && node.inputs.size() == 1 && !x.empty() && axes.size() == 1 &&
         (axes[0] == -1 || axes[0] == static_cast<int64_t>(x.size()) - 1) &&
         node.attr_int("keepdims", 1) == 1;
}

// Input `i` of `node` is a constant of as many values as the last dim of `shape`.
bool row_constant(const Graph& graph, const Node& node, size_t i, const Shape& shape) {
  const Tensor* t = graph.constant_input(node, i);
  return t && t->dtype == DType::f32 && !shape.empty() && t->size() == shape.back() &&
         !t->shape.empty() && t->shape.back() == shape.back();
}

}  // namespace

std::optional<LayerNormPattern> layer_norm_from(const Graph& graph, const Node& head) {
  if (!reduces_last_axis(graph, head) || graph.values[head.inputs[0]].dtype != DType::f32)
    return std::nullopt;
  const int x = head.inputs[0], mean = head.outputs[0];
  const Node* sub = consumer(graph, mean, "Sub");
  if (!sub || sub->inputs[0] != x || sub->inputs[1] != mean) return std::nullopt;
  const int centered = sub->outputs[0];
  const Node* pow = consumer(graph, centered, "Pow");
  if (!pow || pow->inputs[0] != centered || !scalar_is(graph, *pow, 1, 2.0)) return std::nullopt;
  const Node* var = consumer(graph, pow->outputs[0], "ReduceMean");
  if (!var || !reduces_last_axis(graph, *var)) return std::nullopt;
  const Node* add = consumer(graph, var->outputs[0], "Add");
  const int eps_at = add ? other_input(*add, var->outputs[0]) : -1;
  const Tensor* eps = eps_at >= 0 ? graph.constant_input(*add, eps_at) : nullptr;
  if (!eps || eps->size() != 1) return std::nullopt;
  const Node* sqrt = consumer(graph, add->outputs[0], "Sqrt");
  const Node* div = sqrt ? consumer(graph, sqrt->outputs[0], "Div") : nullptr;
  if (!div || div->inputs[0] != centered || div->inputs[1] != sqrt->outputs[0]) return std::nullopt;
  LayerNormPattern p;
  p.nodes = {&head, sub, pow, var, add, sqrt, div};
  p.epsilon = static_cast<float>(to_doubles(*eps)[0]);
  const Shape& shape = graph.values[x].shape;
  int last = div->outputs[0];
  if (graph.values[last].consumers.size() != 1 || graph.is_graph_output(last)) return p;
  const Node* mul = &graph.nodes[graph.values[last].consumers[0]];
  const int scale_at = mul->op == "Mul" ? other_input(*mul, last) : -1;
  if (scale_at < 0 || !row_constant(graph, *mul, scale_at, shape)) return p;
  p.nodes.push_back(mul);
  p.scale = mul->inputs[scale_at];
  last = mul->outputs[0];
  if (graph.values[last].consumers.size() != 1 || graph.is_graph_output(last)) return p;
  const Node* bias = &graph.nodes[graph.values[last].consumers[0]];
  const int bias_at = bias->op == "Add" ? other_input(*bias, last) : -1;
  if (bias_at < 0 || !row_constant(graph, *bias, bias_at, shape)) return p;
  p.nodes.push_back(bias);
  p.bias = bias->inputs[bias_at];
  return p;
}

bool layer_norm_continues(const Graph& graph, std::span<const Node* const> group,
                          const Node& next) {
  const auto pattern = layer_norm_from(graph, *group[0]);
  return pattern && group.size() < pattern->nodes.size() && pattern->nodes[group.size()] == &next;
}

}  // namespace cosched
