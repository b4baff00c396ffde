#include "cos/exec/window.h"

#include "cos/common/error.h"

namespace cosched {

Window window_of(const Node& node, const Shape& x, const Shape& y, const Shape& kernel) {
  const size_t rank = x.size() - 2;
  if (x.size() < 3 || y.size() != x.size() || kernel.size() != rank)
    fail("node '{}' ({}): input rank {} does not match its window", node.name, node.op, x.size());
  Window w;
  w.in.assign(x.begin() + 2, x.end());
  w.out.assign(y.begin() + 2, y.end());
  w.kernel = kernel;
  w.stride = node.attr_ints("strides", std::vector<int64_t>(rank, 1));
  w.dilation = node.attr_ints("dilations", std::vector<int64_t>(rank, 1));
  std::vector<int64_t> pads = node.attr_ints("pads", std::vector<int64_t>(2 * rank, 0));
  if (w.stride.size() != rank || w.dilation.size() != rank || pads.size() != 2 * rank)
    fail("node '{}' ({}): strides, dilations or pads do not match rank {}", node.name, node.op,
         rank);
  std::string auto_pad = node.attr_string("auto_pad", "NOTSET");
  w.pad_begin.assign(pads.begin(), pads.begin() + rank);
  w.pad_end_attr.assign(pads.begin() + rank, pads.end());
  for (size_t i = 0; i < rank; ++i) {
    int64_t span = (w.kernel[i] - 1) * w.dilation[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t total = std::max<int64_t>(0, (w.out[i] - 1) * w.stride[i] + span - w.in[i]);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end_attr[i] = total - w.pad_begin[i];
    } else if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end_attr[i] = 0;
    }
    // ceil_mode needs more end padding than asked for to yield `out` windows.
    int64_t needed = (w.out[i] - 1) * w.stride[i] + span - w.in[i] - w.pad_begin[i];
    w.pad_end.push_back(std::max(needed, w.pad_end_attr[i]));
  }
  return w;
}

}  // namespace cosched
