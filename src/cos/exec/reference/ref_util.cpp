#include "cos/exec/reference/ref_util.h"

#include "cos/common/error.h"

namespace cosched::ref {

Shape strides_of(const Shape& shape) {
  Shape strides(shape.size(), 1);
  for (size_t i = shape.size(); i-- > 1;) strides[i - 1] = strides[i] * shape[i];
  return strides;
}

Shape broadcast_strides(const Shape& in, const Shape& out) {
  Shape strides(out.size(), 0);
  Shape own = strides_of(in);
  size_t shift = out.size() - in.size();
  for (size_t i = 0; i < in.size(); ++i) strides[shift + i] = in[i] == 1 ? 0 : own[i];
  return strides;
}

int64_t normalize_axis(const Node& node, int64_t axis, size_t rank) {
  int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r)
    fail("node '{}' ({}): axis {} out of range for rank {}", node.name, node.op, axis, rank);
  return axis < 0 ? axis + r : axis;
}

void for_each_offset(const Shape& shape, const std::vector<Shape>& strides,
                     const std::function<void(const std::vector<int64_t>&)>& fn) {
  if (element_count(shape) == 0) return;
  const size_t rank = shape.size();
  std::vector<int64_t> index(rank, 0), offsets(strides.size(), 0);
  while (true) {
    fn(offsets);
    size_t d = rank;
    while (d > 0) {
      --d;
      ++index[d];
      for (size_t k = 0; k < strides.size(); ++k) offsets[k] += strides[k][d];
      if (index[d] < shape[d]) break;
      for (size_t k = 0; k < strides.size(); ++k) offsets[k] -= strides[k][d] * shape[d];
      index[d] = 0;
      if (d == 0) return;
    }
    if (rank == 0) return;
  }
}

SoftmaxSpan softmax_span(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const bool single_axis = graph.opset >= 13;
  const int64_t axis = normalize_axis(node, node.attr_int("axis", single_axis ? -1 : 1), x.size());
  return {dims_product(x, 0, axis), single_axis ? x[axis] : dims_product(x, axis, x.size()),
          single_axis ? dims_product(x, axis + 1, x.size()) : 1};
}

const Shape& shape_of(const Graph& graph, int value) {
  return graph.values.at(value).shape;
}

std::vector<int64_t> constant_ints(const Graph& graph, const Node& node, size_t input) {
  const Tensor* tensor = graph.constant_input(node, input);
  if (!tensor) fail("node '{}' ({}): input {} must be a constant", node.name, node.op, input);
  return to_ints(*tensor);
}

}  // namespace cosched::ref
