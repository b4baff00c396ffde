#include "cos/graph/passes.h"

#include <algorithm>
#include <cmath>

#include "cos/common/error.h"
#include "cos/graph/const_eval.h"
#include "cos/graph/slice_window.h"

namespace cosched {
namespace {

bool all_inputs_constant(const Graph& graph, const Node& node) {
  for (int in : node.inputs) {
    if (in >= 0 && !graph.values[in].is_constant()) return false;
  }
  return true;
}

// Shape and Size need only the input's shape, not its data.
std::optional<std::vector<Tensor>> fold_shape_query(const Graph& graph, const Node& node) {
  if ((node.op != "Shape" && node.op != "Size") || node.inputs.empty() || node.inputs[0] < 0) {
    return std::nullopt;
  }
  const Value& input = graph.values[node.inputs[0]];
  if (!input.has_shape) return std::nullopt;
  Tensor shape_only{input.dtype, input.shape, {}};  // no bytes: only its shape is read
  return evaluate_constant(node, {&shape_only}, graph.opset);
}

void redirect_uses(Graph& graph, int from, int to) {
  for (auto& node : graph.nodes) {
    for (int& in : node.inputs) {
      if (in == from) in = to;
    }
  }
}

// A pool whose window is one element at every position: its output is its input.
bool is_identity_pool(const Node& node) {
  if (node.op != "MaxPool" && node.op != "AveragePool") return false;
  if (node.outputs.size() > 1 && node.outputs[1] >= 0) return false;  // MaxPool's indices
  auto all_equal = [&](const std::string& key, int64_t value) {
    auto list = node.attr_ints(key);
    return std::all_of(list.begin(), list.end(), [&](int64_t v) { return v == value; });
  };
  // (auto_pad pads nothing for such a window; dilations do not widen it)
  return !node.attr_ints("kernel_shape").empty() && all_equal("kernel_shape", 1) &&
         all_equal("strides", 1) && all_equal("pads", 0);
}

}  // namespace

Graph fold_constants(Graph graph, int64_t max_elements) {
  for (auto& node : graph.nodes) {
    std::optional<std::vector<Tensor>> results = fold_shape_query(graph, node);
    if (!results && all_inputs_constant(graph, node) && !node.inputs.empty()) {
      int64_t input_elements = 0;
      for (int in : node.inputs) {
        if (in >= 0) input_elements += graph.values[in].data->size();
      }
      if (input_elements > max_elements) continue;
      std::vector<const Tensor*> inputs;
      for (int in : node.inputs) inputs.push_back(in >= 0 ? graph.values[in].data.get() : nullptr);
      results = evaluate_constant(node, inputs, graph.opset);
    }
    if (!results) continue;
    bool fits = true;
    for (const auto& tensor : *results) fits = fits && tensor.size() <= max_elements;
    if (!fits) continue;
    for (size_t i = 0; i < node.outputs.size() && i < results->size(); ++i) {
      if (node.outputs[i] < 0) continue;
      Value& out = graph.values[node.outputs[i]];
      out.dtype = (*results)[i].dtype;
      out.shape = (*results)[i].shape;
      out.has_shape = true;
      out.data = std::make_shared<const Tensor>(std::move((*results)[i]));
    }
    node.removed = true;
  }
  graph.compact();
  return graph;
}

Graph drop_identities(Graph graph) {
  for (auto& node : graph.nodes) {
    bool is_identity = node.op == "Identity" || is_identity_pool(node);
    bool is_dropout = node.op == "Dropout" && (node.outputs.size() < 2 || node.outputs[1] < 0 ||
                                               graph.values[node.outputs[1]].consumers.empty());
    if (!(is_identity || is_dropout) || node.inputs.empty() || node.inputs[0] < 0) continue;
    int in = node.inputs[0];
    int out = node.outputs[0];
    if (graph.is_graph_output(out)) {
      // Keep the output's name: the input takes it over, unless the input is itself
      // visible outside (graph input, output or constant).
      Value& source = graph.values[in];
      if (source.producer < 0 || graph.is_graph_output(in) || source.is_constant()) continue;
      source.name = graph.values[out].name;
      for (int& o : graph.outputs) {
        if (o == out) o = in;
      }
    }
    redirect_uses(graph, out, in);
    node.removed = true;
  }
  graph.compact();
  return graph;
}

Graph fold_batchnorm(Graph graph) {
  for (auto& bn : graph.nodes) {
    if (bn.op != "BatchNormalization" || bn.inputs.size() < 5 || bn.inputs[0] < 0) continue;
    if (bn.outputs.size() > 1) {
      bool stats_unused = true;
      for (size_t i = 1; i < bn.outputs.size(); ++i) {
        stats_unused =
            stats_unused && (bn.outputs[i] < 0 || graph.values[bn.outputs[i]].consumers.empty());
      }
      if (!stats_unused) continue;
    }
    const Value& x = graph.values[bn.inputs[0]];
    if (x.producer < 0 || x.consumers.size() != 1 || graph.is_graph_output(bn.inputs[0])) continue;
    Node& conv = graph.nodes[x.producer];
    if (conv.op != "Conv" || conv.removed) continue;
    const Tensor* weight = graph.constant_input(conv, 1);
    const Tensor* bias = conv.inputs.size() > 2 ? graph.constant_input(conv, 2) : nullptr;
    bool has_bias_input = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
    if (!weight || weight->dtype != DType::f32 || weight->shape.empty() ||
        (has_bias_input && !bias)) {
      continue;
    }
    const Tensor* params[4];
    bool ok = true;
    for (int i = 0; i < 4; ++i) {
      params[i] = graph.constant_input(bn, static_cast<size_t>(i + 1));
      ok = ok && params[i] && params[i]->dtype == DType::f32 &&
           params[i]->size() == weight->shape[0];
    }
    if (!ok || (bias && bias->size() != weight->shape[0])) continue;
    const int64_t channels = weight->shape[0];
    const int64_t per_channel = weight->size() / std::max<int64_t>(channels, 1);
    const double eps = bn.attr_float("epsilon", 1e-5);
    Tensor new_weight = *weight;
    Tensor new_bias = make_tensor(DType::f32, {channels});
    for (int64_t c = 0; c < channels; ++c) {
      double scale = params[0]->data<float>()[c] / std::sqrt(params[3]->data<float>()[c] + eps);
      for (int64_t k = 0; k < per_channel; ++k) {
        float& w = new_weight.data<float>()[c * per_channel + k];
        w = static_cast<float>(w * scale);
      }
      double b = bias ? bias->data<float>()[c] : 0.0;
      new_bias.data<float>()[c] = static_cast<float>((b - params[2]->data<float>()[c]) * scale +
                                                     params[1]->data<float>()[c]);
    }
    auto add_constant = [&](const std::string& name, Tensor tensor) {
      Value value{.name = name, .dtype = DType::f32, .shape = tensor.shape, .has_shape = true};
      value.data = std::make_shared<const Tensor>(std::move(tensor));
      return graph.add_value(std::move(value));
    };
    int w = add_constant(conv.name + "_bnfolded_weight", std::move(new_weight));
    int b = add_constant(conv.name + "_bnfolded_bias", std::move(new_bias));
    conv.inputs.resize(3);
    conv.inputs[1] = w;
    conv.inputs[2] = b;
    conv.outputs[0] = bn.outputs[0];
    bn.removed = true;
  }
  graph.compact();
  return graph;
}

namespace {

// Views start at multiples of 16 bytes, as vector loads and cuDNN's kernels want their data.
constexpr int64_t kViewAlignment = 16;

// The byte offset of a Slice's result in its input when the result is one contiguous block
// of it; nullopt otherwise (or when a parameter is not constant).
std::optional<int64_t> contiguous_slice_offset(const Graph& graph, const Node& node) {
  const Value& x = graph.values[node.inputs[0]];
  const Value& y = graph.values[node.outputs[0]];
  if (!x.has_shape || !y.has_shape || x.is_constant() || x.shape.size() != y.shape.size())
    return std::nullopt;
  for (size_t i = 1; i < node.inputs.size(); ++i)
    if (node.inputs[i] >= 0 && !graph.constant_input(node, i)) return std::nullopt;
  const SliceWindow window = slice_window(graph, node);
  int64_t offset = 0, inner = static_cast<int64_t>(dtype_size(x.dtype));
  bool sliced = false;  // an axis after this one took part of its dim
  for (size_t d = x.shape.size(); d-- > 0;) {
    const bool whole = y.shape[d] == x.shape[d] && window.start[d] == 0 && window.step[d] == 1;
    if (sliced && x.shape[d] != 1) return std::nullopt;  // the block would have gaps
    if (!whole) {
      if (sliced || window.step[d] != 1) return std::nullopt;
      sliced = true;
      offset = window.start[d] * inner;
    }
    inner *= x.shape[d];
  }
  if (offset % kViewAlignment != 0) return std::nullopt;
  return offset;
}

// Whether a Transpose only moves dimensions of size 1 (vit_b_16 swaps its batch of 1 with
// the tokens twice a layer): the elements keep their order, so its output is its input.
bool keeps_element_order(const Graph& graph, const Node& node) {
  const Value& in = graph.values[node.inputs[0]];
  if (!in.has_shape) return false;
  const Shape& x = in.shape;
  const std::vector<int64_t> perm = node.transpose_perm(x.size());
  if (perm.size() != x.size()) return false;
  int64_t last = -1;
  for (int64_t d : perm) {
    if (d < 0 || d >= static_cast<int64_t>(x.size())) return false;
    if (x[d] == 1) continue;
    if (d < last) return false;
    last = d;
  }
  return true;
}

}  // namespace

Graph mark_views(Graph graph) {
  for (auto& node : graph.nodes) {
    node.is_view = node.op == "Reshape" || node.op == "Flatten" || node.op == "Squeeze" ||
                   node.op == "Unsqueeze" ||
                   (node.op == "Transpose" && keeps_element_order(graph, node));
    if (node.op == "Slice")
      if (std::optional<int64_t> offset = contiguous_slice_offset(graph, node)) {
        node.is_view = true;
        node.view_offset = *offset;
      }
  }
  return graph;
}

}  // namespace cosched
