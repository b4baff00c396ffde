#include "cos/exec/cpu/strided_views.h"

#include <algorithm>
#include <optional>

#include "cos/exec/reference/ref_util.h"
#include "cos/graph/slice_window.h"

namespace cosched {
namespace {

// How many times `value` is an input of `node`.
int64_t reads(const Node& node, int value) {
  return std::count(node.inputs.begin(), node.inputs.end(), value);
}

// Whether a MatMul reads `layout` well: one of its matrices' dims lies one element apart.
bool product_reads(const Graph& graph, const Node& product, int value, const StridedLayout& layout,
                   const std::function<bool(int)>& on_cpu, int index) {
  if (product.op != "MatMul" || !on_cpu(index) || reads(product, value) != 1) return false;
  if (product.inputs.size() != 2 || layout.dims.size() < 2) return false;
  for (int v : product.inputs)
    if (graph.values[v].dtype != DType::f32 || graph.values[v].shape.size() < 2) return false;
  const size_t r = layout.strides.size();
  return layout.strides[r - 1] == 1 || layout.strides[r - 2] == 1;
}

// The output layout of a Transpose, Slice or view `node` reading `in`, and the node's first
// byte in its input; nullopt where strides cannot express it.
std::optional<std::pair<StridedLayout, int64_t>> through(const Graph& graph, const Node& node,
                                                         const StridedLayout& in) {
  const Value& out = graph.values[node.outputs[0]];
  if (!out.has_shape || node.outputs.size() != 1) return std::nullopt;
  const size_t rank = in.dims.size();
  if (node.op == "Transpose") {
    const std::vector<int64_t> perm = node.transpose_perm(rank);
    if (perm.size() != rank) return std::nullopt;
    StridedLayout layout{out.shape, {}};
    for (int64_t d : perm) {
      if (d < 0 || d >= static_cast<int64_t>(rank)) return std::nullopt;
      layout.strides.push_back(in.strides[d]);
    }
    return std::pair{layout, int64_t{0}};
  }
  if (node.op == "Slice") {
    for (size_t i = 1; i < node.inputs.size(); ++i)
      if (node.inputs[i] >= 0 && !graph.constant_input(node, i)) return std::nullopt;
    if (out.shape.size() != rank) return std::nullopt;
    const SliceWindow window = slice_window(graph, node);
    StridedLayout layout{out.shape, in.strides};
    int64_t offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      if (window.step[d] < 0) return std::nullopt;
      if (window.step[d] > 0) layout.strides[d] *= window.step[d];
      offset += window.start[d] * in.strides[d];
    }
    offset *= static_cast<int64_t>(dtype_size(out.dtype));
    // A view already (one block of plain data): the executor places it at its own offset.
    if (node.is_view && offset != node.view_offset) return std::nullopt;
    return std::pair{layout, offset};
  }
  if (node.is_view && node.view_offset == 0) {  // Reshape and its kind
    std::vector<int64_t> strides = restrided(in.dims, in.strides, out.shape);
    if (strides.empty() && !out.shape.empty()) return std::nullopt;
    return std::pair{StridedLayout{out.shape, strides}, int64_t{0}};
  }
  return std::nullopt;
}

class Planner {
 public:
  Planner(const Graph& graph, const std::function<bool(int)>& ours,
          const std::function<bool(int)>& on_cpu)
      : graph_(graph), ours_(ours), on_cpu_(on_cpu) {}

  StridedViews plan() {
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const Node& node = graph_.nodes[i];
      if (!copies(static_cast<int>(i)) || views_.view_offset.count(static_cast<int>(i))) continue;
      const int x = node.inputs[0];
      if (!graph_.values[x].has_shape || views_.layouts.count(x) || !in_host_memory(x)) continue;
      StridedViews chain;
      const Shape& shape = graph_.values[x].shape;
      if (extend(static_cast<int>(i), {shape, ref::strides_of(shape)}, chain)) {
        views_.view_offset.merge(chain.view_offset);
        views_.layouts.merge(chain.layouts);
      }
    }
    for (size_t i = 0; i < graph_.nodes.size(); ++i) written_transposed(static_cast<int>(i));
    return std::move(views_);
  }

 private:
  // Whether `value` lies whole in host memory: a graph input, a constant, or written by a
  // cpu backend. A device's value reaches the host as a copy of only what the view covers,
  // which strides over the whole value would read past.
  bool in_host_memory(int value) const {
    const int producer = producer_past_views(graph_, value);
    return producer < 0 || on_cpu_(producer);
  }

  // A Transpose or Slice of f32 data that this backend would otherwise copy.
  bool copies(int index) const {
    const Node& node = graph_.nodes[index];
    return (node.op == "Transpose" || node.op == "Slice") && !node.is_view && ours_(index) &&
           !node.inputs.empty() && graph_.values[node.inputs[0]].dtype == DType::f32;
  }

  // Adds node `index` reading `in` and what reads its output to `chain`; false where some
  // reader at the end needs the data copied.
  bool extend(int index, const StridedLayout& in, StridedViews& chain) {
    const Node& node = graph_.nodes[index];
    const auto result = through(graph_, node, in);
    if (!result) return false;
    const int out = node.outputs[0];
    const Value& value = graph_.values[out];
    if (value.consumers.empty() || graph_.is_graph_output(out) || element_count(value.shape) == 0)
      return false;
    if (!node.is_view) chain.view_offset[index] = result->second;
    chain.layouts[out] = result->first;
    for (int c : value.consumers) {
      const Node& reader = graph_.nodes[c];
      if ((reader.is_view && reader.inputs[0] == out) || (copies(c) && reads(reader, out) == 1)) {
        if (!extend(c, result->first, chain)) return false;
      } else if (!product_reads(graph_, reader, out, result->first, on_cpu_, c) &&
                 !scaled_product_reads(c, out, result->first)) {
        return false;
      }
    }
    return true;
  }

  bool scaled_product_reads(int index, int value, const StridedLayout& layout) const {
    const Node& scale = graph_.nodes[index];
    if (!on_cpu_(index) || scale.inputs.empty() || scale.inputs[0] != value ||
        reads(scale, value) != 1)
      return false;
    const Value& out = graph_.values[scale.outputs[0]];
    if (out.consumers.size() != 1) return false;
    const int c = out.consumers[0];
    return scales_a_product(graph_, scale, graph_.nodes[c]) &&
           product_reads(graph_, graph_.nodes[c], scale.outputs[0], layout, on_cpu_, c);
  }

  // A Transpose that alone reads a MatMul's result: the MatMul writes it transposed.
  void written_transposed(int index) {
    const Node& node = graph_.nodes[index];
    if (node.op != "Transpose" || !copies(index) || views_.view_offset.count(index)) return;
    const int x = node.inputs[0], y = node.outputs[0];
    const Value& in = graph_.values[x];
    if (in.producer < 0 || graph_.nodes[in.producer].op != "MatMul" || !ours_(in.producer) ||
        in.consumers.size() != 1 || graph_.is_graph_output(x) || views_.layouts.count(x) ||
        !in.has_shape || !graph_.values[y].has_shape || element_count(in.shape) == 0)
      return;
    for (int v : graph_.nodes[in.producer].inputs)  // else no oneDNN matmul computes it
      if (graph_.values[v].dtype != DType::f32 || graph_.values[v].shape.size() < 2) return;
    const std::vector<int64_t> perm = node.transpose_perm(in.shape.size());
    if (perm.size() != in.shape.size()) return;
    const std::vector<int64_t> out_strides = ref::strides_of(graph_.values[y].shape);
    StridedLayout layout{in.shape, std::vector<int64_t>(in.shape.size())};
    for (size_t k = 0; k < perm.size(); ++k) layout.strides[perm[k]] = out_strides[k];
    const size_t r = layout.strides.size();
    if (layout.strides[r - 1] != 1 && layout.strides[r - 2] != 1) return;
    views_.view_offset[index] = 0;
    views_.layouts[x] = layout;
  }

  const Graph& graph_;
  const std::function<bool(int)>& ours_;
  const std::function<bool(int)>& on_cpu_;
  StridedViews views_;
};

}  // namespace

std::vector<int64_t> restrided(const Shape& shape, const std::vector<int64_t>& strides,
                               const Shape& new_shape) {
  if (element_count(shape) != element_count(new_shape)) return {};
  if (element_count(shape) == 0 || shape.empty()) return ref::strides_of(new_shape);
  std::vector<int64_t> result(new_shape.size(), 1);
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_stride = strides.back(), tensor_count = 1, view_count = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_count *= shape[d];
    // A chunk of dims that lie contiguously ends here: the view's dims must split it exactly.
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_count * chunk_stride)) {
      while (view_d >= 0 && (view_count < tensor_count || new_shape[view_d] == 1)) {
        result[view_d] = view_count * chunk_stride;
        view_count *= new_shape[view_d];
        --view_d;
      }
      if (view_count != tensor_count) return {};
      if (d > 0) {
        chunk_stride = strides[d - 1];
        tensor_count = view_count = 1;
      }
    }
  }
  if (view_d != -1) return {};
  return result;
}

int producer_past_views(const Graph& graph, int value) {
  int producer = graph.values[value].producer;
  while (producer >= 0 && graph.nodes[producer].is_view)
    producer = graph.values[graph.nodes[producer].inputs[0]].producer;
  return producer;
}

bool scales_a_product(const Graph& graph, const Node& scale, const Node& product) {
  if ((scale.op != "Div" && scale.op != "Mul") || scale.inputs.size() != 2) return false;
  const Tensor* factor = graph.constant_input(scale, 1);
  if (!factor || factor->size() != 1 || factor->dtype != DType::f32) return false;
  const int out = scale.outputs[0];
  if (graph.is_graph_output(out) || graph.values[out].consumers.size() != 1) return false;
  if (product.op != "MatMul" || product.inputs.size() != 2 || reads(product, out) != 1)
    return false;
  // Of two activations (attention's): a product of weights keeps its own fusions (bias, GELU).
  if (graph.constant_input(product, 0) || graph.constant_input(product, 1)) return false;
  return graph.values[scale.inputs[0]].dtype == DType::f32 &&
         graph.values[out].shape == graph.values[scale.inputs[0]].shape;
}

StridedViews plan_strided_views(const Graph& graph, const std::function<bool(int)>& ours,
                                const std::function<bool(int)>& on_cpu) {
  return Planner(graph, ours, on_cpu).plan();
}

}  // namespace cosched
