#pragma once

#include "cos/graph/graph.h"

namespace cosched {

// Where a Slice node reads: per input dim, the first index and the step (1 and 0 for the
// dims it does not slice), with ONNX's clamping of starts applied. The output shape gives
// the counts.
struct SliceWindow {
  Shape start, step;
};

// Throws cosched::Error naming the node on a zero step or a non-constant parameter.
SliceWindow slice_window(const Graph& graph, const Node& node);

}  // namespace cosched
