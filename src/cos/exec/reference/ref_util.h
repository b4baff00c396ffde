#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched::ref {

// A reference kernel: one function over the args.
class FnKernel : public Kernel {
 public:
  explicit FnKernel(std::function<void(const KernelArgs&)> fn) : fn_(std::move(fn)) {}
  void run(const KernelArgs& args) override { fn_(args); }
  std::string implementation() const override { return "ref"; }

 private:
  std::function<void(const KernelArgs&)> fn_;
};

inline std::unique_ptr<Kernel> kernel(std::function<void(const KernelArgs&)> fn) {
  return std::make_unique<FnKernel>(std::move(fn));
}

// Row-major element strides.
Shape strides_of(const Shape& shape);
// Strides that read `in` (right-aligned, numpy broadcasting) at the indices of `out`:
// 0 along broadcast dims.
Shape broadcast_strides(const Shape& in, const Shape& out);
// Axis in [0, rank); negative counts from the end; throws naming the node when out of range.
int64_t normalize_axis(const Node& node, int64_t axis, size_t rank);
// Calls fn(offsets) for every index of `shape` in row-major order, where offsets[k] is
// the element offset of that index under strides[k].
void for_each_offset(const Shape& shape, const std::vector<Shape>& strides,
                     const std::function<void(const std::vector<int64_t>&)>& fn);

// The rows a Softmax normalizes, as [outer, len, inner] with the normalized dims in the
// middle: one axis from opset 13, every dim from `axis` on before (2-D coercion).
struct SoftmaxSpan {
  int64_t outer = 1, len = 1, inner = 1;
};
SoftmaxSpan softmax_span(const Graph& graph, const Node& node);

const Shape& shape_of(const Graph& graph, int value);
// Integer values of a constant input (any integer dtype); throws if it is not constant.
std::vector<int64_t> constant_ints(const Graph& graph, const Node& node, size_t input);

}  // namespace cosched::ref
