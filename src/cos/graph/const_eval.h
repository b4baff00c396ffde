#pragma once

#include <optional>
#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// Evaluates a node whose inputs are all constant, for constant folding. Covers the
// shape arithmetic that exporters emit (Shape, Gather, Unsqueeze, Concat, Slice, Cast,
// Reshape, arithmetic, ConstantOfShape, Range, Expand, Transpose...). Returns nullopt
// for ops it does not evaluate. `inputs[i]` is nullptr for an absent optional input.
// Throws cosched::Error when the node is malformed (bad axis, bad shape...).
std::optional<std::vector<Tensor>> evaluate_constant(const Node& node,
                                                     const std::vector<const Tensor*>& inputs,
                                                     int opset);

// Numpy-style broadcast of two shapes; throws cosched::Error if they are incompatible.
Shape broadcast_shapes(const Shape& a, const Shape& b);

}  // namespace cosched
