// ONNX activations as oneDNN eltwise algorithms (also used as fused post-ops).
#include <cfloat>

#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/fusion_patterns.h"

namespace cosched::dnnl_ops {

using dnnl::algorithm;

namespace {

// A scalar constant input as float; nullopt when absent; fails (returns false) when not
// constant.
bool scalar_input(const Graph& graph, const Node& node, size_t i, std::optional<float>& value) {
  if (i >= node.inputs.size() || node.inputs[i] < 0) return true;
  const Tensor* t = graph.constant_input(node, i);
  if (!t || t->size() != 1) return false;
  value = static_cast<float>(to_doubles(*t)[0]);
  return true;
}

}  // namespace

std::optional<std::vector<Eltwise>> eltwise_of(const Graph& graph, const Node& node) {
  const std::string& op = node.op;
  if (op == "Relu") return std::vector<Eltwise>{{algorithm::eltwise_relu}};
  if (op == "LeakyRelu")
    return std::vector<Eltwise>{
        {algorithm::eltwise_relu, static_cast<float>(node.attr_float("alpha", 0.01))}};
  if (op == "Sigmoid") return std::vector<Eltwise>{{algorithm::eltwise_logistic}};
  if (op == "Tanh") return std::vector<Eltwise>{{algorithm::eltwise_tanh}};
  if (op == "HardSwish") return std::vector<Eltwise>{{algorithm::eltwise_hardswish}};
  if (op == "Sqrt") return std::vector<Eltwise>{{algorithm::eltwise_sqrt}};
  if (op == "Exp") return std::vector<Eltwise>{{algorithm::eltwise_exp}};
  if (op == "HardSigmoid")
    return std::vector<Eltwise>{
        {algorithm::eltwise_linear, static_cast<float>(node.attr_float("alpha", 0.2)),
         static_cast<float>(node.attr_float("beta", 0.5))},
        {algorithm::eltwise_clip, 0.0f, 1.0f}};
  if (op == "Clip") {
    std::optional<float> lo, hi;
    if (node.has_attr("min")) lo = static_cast<float>(node.attr_float("min", 0));
    if (node.has_attr("max")) hi = static_cast<float>(node.attr_float("max", 0));
    if (!scalar_input(graph, node, 1, lo) || !scalar_input(graph, node, 2, hi)) return std::nullopt;
    return std::vector<Eltwise>{
        {algorithm::eltwise_clip, lo.value_or(-FLT_MAX), hi.value_or(FLT_MAX)}};
  }
  if (op == "Pow") {
    std::optional<float> exponent;
    if (!scalar_input(graph, node, 1, exponent) || !exponent) return std::nullopt;
    return std::vector<Eltwise>{{algorithm::eltwise_pow, 1.0f, *exponent}};
  }
  return std::nullopt;
}

bool ends_in_swish(std::span<const Node* const> nodes) {
  const size_t n = nodes.size();
  return n >= 2 && is_swish_mul(*nodes[n - 2], *nodes[n - 1]);
}

dnnl::post_ops eltwise_post_ops(const Graph& graph, std::span<const Node* const> nodes,
                                bool sum_first) {
  dnnl::post_ops ops;
  if (sum_first) ops.append_sum(1.0f);
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (is_gelu(graph, nodes.subspan(i, std::min<size_t>(5, nodes.size() - i)))) {
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
      i += 4;
      continue;
    }
    if (i + 1 < nodes.size() && is_swish_mul(*nodes[i], *nodes[i + 1])) {
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);  // x * sigmoid(x)
      ++i;
      continue;
    }
    std::vector<Eltwise> steps = eltwise_of(graph, *nodes[i]).value();
    for (const Eltwise& e : steps) ops.append_eltwise(1.0f, e.alg, e.alpha, e.beta);
  }
  return ops;
}

}  // namespace cosched::dnnl_ops
