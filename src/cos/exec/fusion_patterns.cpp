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

}  // namespace cosched
