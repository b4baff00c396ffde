// Reference data movement: Concat, Transpose, Slice, Split, Gather, Pad and plain copies.
// They move elements of any dtype as bytes.
#include <cstring>

#include "cos/common/error.h"
#include "cos/exec/reference/ref_kernels.h"
#include "cos/exec/reference/ref_util.h"
#include "cos/graph/slice_window.h"

namespace cosched::ref {
namespace {

size_t element_size(const Graph& graph, int value) {
  return dtype_size(graph.values[value].dtype);
}

// Copies elements one by one: dst[o[1]] = src[o[0]] over `shape` with the given strides.
void gather_elements(const std::byte* src, std::byte* dst, size_t size, const Shape& shape,
                     const std::vector<Shape>& strides) {
  for_each_offset(shape, strides, [&](const std::vector<int64_t>& o) {
    std::memcpy(dst + o[1] * size, src + o[0] * size, size);
  });
}

}  // namespace

std::unique_ptr<Kernel> concat(const Graph& graph, const Node& node) {
  const Shape& y = shape_of(graph, node.outputs[0]);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), y.size());
  const size_t size = element_size(graph, node.outputs[0]);
  const int64_t outer = dims_product(y, 0, axis);
  const int64_t inner_bytes = dims_product(y, axis + 1, y.size()) * static_cast<int64_t>(size);
  std::vector<int64_t> chunk;  // bytes of each input per outer index
  for (int v : node.inputs) chunk.push_back(shape_of(graph, v)[axis] * inner_bytes);
  return kernel([=](const KernelArgs& args) {
    auto* dst = static_cast<std::byte*>(args.outputs[0]);
    for (int64_t o = 0; o < outer; ++o)
      for (size_t i = 0; i < chunk.size(); ++i) {
        std::memcpy(dst, static_cast<const std::byte*>(args.inputs[i]) + o * chunk[i], chunk[i]);
        dst += chunk[i];
      }
  });
}

std::unique_ptr<Kernel> transpose(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const std::vector<int64_t> perm = node.transpose_perm(x.size());
  Shape in_strides = strides_of(x), read(y.size());
  for (size_t i = 0; i < y.size(); ++i) read[i] = in_strides[perm[i]];
  std::vector<Shape> strides = {read, strides_of(y)};
  const size_t size = element_size(graph, node.inputs[0]);
  return kernel([=](const KernelArgs& args) {
    gather_elements(static_cast<const std::byte*>(args.inputs[0]),
                    static_cast<std::byte*>(args.outputs[0]), size, y, strides);
  });
}

std::unique_ptr<Kernel> slice(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const SliceWindow window = slice_window(graph, node);
  Shape in_strides = strides_of(x), read(x.size());
  int64_t base = 0;  // element offset of the first element read
  for (size_t d = 0; d < x.size(); ++d) {
    base += window.start[d] * in_strides[d];
    read[d] = in_strides[d] * window.step[d];
  }
  std::vector<Shape> strides = {read, strides_of(y)};
  const size_t size = element_size(graph, node.inputs[0]);
  return kernel([=](const KernelArgs& args) {
    gather_elements(static_cast<const std::byte*>(args.inputs[0]) + base * size,
                    static_cast<std::byte*>(args.outputs[0]), size, y, strides);
  });
}

std::unique_ptr<Kernel> split(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), x.size());
  const size_t size = element_size(graph, node.inputs[0]);
  const int64_t outer = dims_product(x, 0, axis);
  const int64_t inner_bytes = dims_product(x, axis + 1, x.size()) * static_cast<int64_t>(size);
  std::vector<int64_t> chunk;  // bytes of each output per outer index, from the output shapes
  for (int v : node.outputs) chunk.push_back(v < 0 ? 0 : shape_of(graph, v)[axis] * inner_bytes);
  const int64_t row = x[axis] * inner_bytes;
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const std::byte*>(args.inputs[0]);
    for (int64_t o = 0; o < outer; ++o) {
      int64_t at = o * row;
      for (size_t i = 0; i < chunk.size(); ++i) {
        if (args.outputs[i])
          std::memcpy(static_cast<std::byte*>(args.outputs[i]) + o * chunk[i], src + at, chunk[i]);
        at += chunk[i];
      }
    }
  });
}

std::unique_ptr<Kernel> gather(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", 0), x.size());
  const DType index_type = graph.values[node.inputs[1]].dtype;
  const int64_t indices = element_count(shape_of(graph, node.inputs[1]));
  const size_t size = element_size(graph, node.inputs[0]);
  const int64_t outer = dims_product(x, 0, axis), dim = x[axis];
  const int64_t inner_bytes = dims_product(x, axis + 1, x.size()) * static_cast<int64_t>(size);
  const std::string name = node.name;
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const std::byte*>(args.inputs[0]);
    auto* dst = static_cast<std::byte*>(args.outputs[0]);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < indices; ++i) {
        int64_t index = index_type == DType::i32 ? static_cast<const int32_t*>(args.inputs[1])[i]
                                                 : static_cast<const int64_t*>(args.inputs[1])[i];
        if (index < 0) index += dim;
        if (index < 0 || index >= dim)
          fail("node '{}' (Gather): index {} out of range [0, {})", name, index, dim);
        std::memcpy(dst, src + (o * dim + index) * inner_bytes, inner_bytes);
        dst += inner_bytes;
      }
  });
}

std::unique_ptr<Kernel> pad(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const DType dtype = graph.values[node.inputs[0]].dtype;
  std::vector<int64_t> pads =
      graph.opset < 11 ? node.attr_ints("pads") : constant_ints(graph, node, 1);
  const std::string mode = node.attr_string("mode", "constant");
  double value = node.attr_float("value", 0.0);
  if (graph.opset >= 11 && node.inputs.size() > 2 && node.inputs[2] >= 0) {
    const Tensor* constant = graph.constant_input(node, 2);
    if (!constant) fail("node '{}' (Pad): constant_value must be a constant", node.name);
    value = to_doubles(*constant).at(0);
  }
  const Tensor fill = from_doubles(dtype, {}, {value});  // the padding element, as bytes
  const size_t size = dtype_size(dtype), rank = x.size();
  Shape in_strides = strides_of(x), out_strides = strides_of(y);
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const std::byte*>(args.inputs[0]);
    auto* dst = static_cast<std::byte*>(args.outputs[0]);
    const int64_t count = element_count(y);
    for (int64_t flat = 0; flat < count; ++flat) {
      int64_t offset = 0;
      bool outside = false;
      for (size_t d = 0; d < rank; ++d) {
        int64_t i = flat / out_strides[d] % y[d] - pads[d];
        if (i < 0 || i >= x[d]) {
          if (mode == "edge")
            i = std::clamp<int64_t>(i, 0, x[d] - 1);
          else if (mode == "reflect")
            i = i < 0 ? -i : 2 * (x[d] - 1) - i;
          else
            outside = true;
        }
        offset += i * in_strides[d];
      }
      std::memcpy(dst + flat * size, outside ? fill.bytes.data() : src + offset * size, size);
    }
  });
}

std::unique_ptr<Kernel> copy(const Graph& graph, const Node& node) {
  const int64_t bytes = graph.values[node.outputs[0]].bytes();
  // Dropout's optional mask: all true at inference.
  const int64_t mask_bytes = node.op == "Dropout" && node.outputs.size() > 1 && node.outputs[1] >= 0
                                 ? graph.values[node.outputs[1]].bytes()
                                 : 0;
  return kernel([=](const KernelArgs& args) {
    if (args.outputs[0] != args.inputs[0]) std::memcpy(args.outputs[0], args.inputs[0], bytes);
    if (mask_bytes > 0 && args.outputs[1]) std::memset(args.outputs[1], 1, mask_bytes);
  });
}

}  // namespace cosched::ref
