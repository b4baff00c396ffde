#include "cos/graph/slice_window.h"

#include <algorithm>

#include "cos/common/error.h"

namespace cosched {
namespace {

std::vector<int64_t> constant_ints(const Graph& graph, const Node& node, size_t input) {
  const Tensor* tensor = graph.constant_input(node, input);
  if (!tensor) fail("node '{}' (Slice): input {} must be a constant", node.name, input);
  return to_ints(*tensor);
}

}  // namespace

SliceWindow slice_window(const Graph& graph, const Node& node) {
  const Shape& x = graph.values[node.inputs[0]].shape;
  std::vector<int64_t> starts, axes, steps;
  if (graph.opset < 10) {
    starts = node.attr_ints("starts");
    axes = node.attr_ints("axes");
  } else {
    starts = constant_ints(graph, node, 1);
    if (node.inputs.size() > 3 && node.inputs[3] >= 0) axes = constant_ints(graph, node, 3);
    if (node.inputs.size() > 4 && node.inputs[4] >= 0) steps = constant_ints(graph, node, 4);
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size())
    fail("node '{}' (Slice): starts, axes and steps differ in length", node.name);
  SliceWindow w{Shape(x.size(), 0), Shape(x.size(), 1)};
  const int64_t rank = static_cast<int64_t>(x.size());
  for (size_t i = 0; i < axes.size(); ++i) {
    const int64_t axis = axes[i] < 0 ? axes[i] + rank : axes[i];
    if (axis < 0 || axis >= rank)
      fail("node '{}' (Slice): axis {} out of range", node.name, axes[i]);
    const int64_t dim = x[axis], step = steps[i];
    if (step == 0) fail("node '{}' (Slice): step 0", node.name);
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    w.start[axis] =
        step > 0 ? std::clamp<int64_t>(start, 0, dim) : std::clamp<int64_t>(start, 0, dim - 1);
    w.step[axis] = step;
  }
  return w;
}

}  // namespace cosched
