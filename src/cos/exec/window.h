#pragma once

#include <cstdint>
#include <vector>

#include "cos/graph/graph.h"

namespace cosched {

// The sliding-window geometry of a Conv or pooling node over its spatial dimensions
// (the dims after N and C), with auto_pad resolved. `pad_end` is what makes the window
// count equal the output size (ceil_mode included); `pad_end_attr` is the padding the
// model asked for, which bounds what count_include_pad counts.
struct Window {
  std::vector<int64_t> in, out, kernel, stride, dilation, pad_begin, pad_end, pad_end_attr;
  int rank() const { return static_cast<int>(in.size()); }
};

// `x` and `y` are the node's input and output shapes (N, C, spatial...); `kernel` the
// spatial extent of the window (weight dims 2.. for Conv, kernel_shape for pooling).
Window window_of(const Node& node, const Shape& x, const Shape& y, const Shape& kernel);

}  // namespace cosched
