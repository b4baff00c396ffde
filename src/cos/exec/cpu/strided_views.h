#pragma once

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// Where a value's elements lie relative to its first byte: per dim, the distance in
// elements between neighbours.
struct StridedLayout {
  Shape dims;
  std::vector<int64_t> strides;
};

// Transposes and Slices whose results the cpu backend's matrix products read in place,
// through strides, instead of copying them (ONNX Runtime's FusedMatMul folds a transpose the
// same way): vit_b_16's attention slices q, k and v out of one product, reshapes them into
// heads and transposes them, three copies of 600 KB a layer before two small products.
struct StridedViews {
  // Per Transpose or Slice that is now a view: its first byte in its input's bytes.
  std::unordered_map<int, int64_t> view_offset;
  // Per value that is not stored plain: how it lies in memory.
  std::unordered_map<int, StridedLayout> layouts;
};

// `ours(node)`: compiled by the backend planning; `on_cpu(node)`: by any cpu backend (they
// share host memory). A chain of Transposes, Slices and views becomes views when every
// reader at its end is a MatMul (or a Div or Mul by a constant scalar that feeds one, which
// the backend fuses as the product's scale) reading an operand whose rows or columns lie
// one element apart. Separately, a Transpose that alone reads a MatMul's result becomes a
// view, the product writing its result in the transposed order.
StridedViews plan_strided_views(const Graph& graph, const std::function<bool(int)>& ours,
                                const std::function<bool(int)>& on_cpu);

// The strides of a view of `shape` with `strides` as `new_shape` (a Reshape), or an empty
// vector where the elements cannot be reached with strides (PyTorch's view rule).
std::vector<int64_t> restrided(const Shape& shape, const std::vector<int64_t>& strides,
                               const Shape& new_shape);

// The node that writes the memory `value` lies in: its producer, or for a graph view (Reshape
// and its kind) what the view's input lies in; -1 for graph inputs and constants.
int producer_past_views(const Graph& graph, int value);

// Whether `scale` is a Div or Mul of f32 data (its first input) by a constant scalar (its
// second) whose result only `product`, a MatMul of two activations, reads, as one operand.
bool scales_a_product(const Graph& graph, const Node& scale, const Node& product);

}  // namespace cosched
