// Reference Softmax, ReduceMean, BatchNormalization (inference) and LayerNormalization.
#include <cmath>

#include "cos/exec/reference/ref_kernels.h"
#include "cos/exec/reference/ref_util.h"

namespace cosched::ref {

std::unique_ptr<Kernel> softmax(const Graph& graph, const Node& node) {
  const auto [outer, len, inner] = softmax_span(graph, node);
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* dst = static_cast<float*>(args.outputs[0]);
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const int64_t base = o * len * inner + i;
        float max = -INFINITY;
        for (int64_t k = 0; k < len; ++k) max = std::max(max, src[base + k * inner]);
        double sum = 0;
        for (int64_t k = 0; k < len; ++k) sum += std::exp(src[base + k * inner] - max);
        for (int64_t k = 0; k < len; ++k)
          dst[base + k * inner] = static_cast<float>(std::exp(src[base + k * inner] - max) / sum);
      }
  });
}

std::unique_ptr<Kernel> reduce_mean(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  std::vector<int64_t> axes = node.attr_ints("axes");
  Shape kept = x;  // the output shape with reduced dims kept as 1
  if (axes.empty())
    for (auto& d : kept) d = 1;
  for (int64_t a : axes) kept[normalize_axis(node, a, x.size())] = 1;
  const int64_t out_count = element_count(kept);
  const double per_output = static_cast<double>(element_count(x)) / std::max<int64_t>(out_count, 1);
  std::vector<Shape> strides = {strides_of(x), broadcast_strides(kept, x)};
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* dst = static_cast<float*>(args.outputs[0]);
    std::vector<double> sums(out_count, 0.0);
    for_each_offset(x, strides, [&](const std::vector<int64_t>& o) { sums[o[1]] += src[o[0]]; });
    for (int64_t i = 0; i < out_count; ++i) dst[i] = static_cast<float>(sums[i] / per_output);
  });
}

std::unique_ptr<Kernel> batch_norm(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const int64_t channels = x.size() > 1 ? x[1] : 1;
  const int64_t batch = x[0], inner = dims_product(x, 2, x.size());
  const double eps = node.attr_float("epsilon", 1e-5);
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* scale = static_cast<const float*>(args.inputs[1]);
    auto* shift = static_cast<const float*>(args.inputs[2]);
    auto* mean = static_cast<const float*>(args.inputs[3]);
    auto* var = static_cast<const float*>(args.inputs[4]);
    auto* dst = static_cast<float*>(args.outputs[0]);
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t c = 0; c < channels; ++c) {
        const double s = scale[c] / std::sqrt(var[c] + eps);
        const int64_t base = (n * channels + c) * inner;
        for (int64_t i = 0; i < inner; ++i)
          dst[base + i] = static_cast<float>((src[base + i] - mean[c]) * s + shift[c]);
      }
  });
}

std::unique_ptr<Kernel> layer_norm(const Graph& graph, const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const int64_t axis = normalize_axis(node, node.attr_int("axis", -1), x.size());
  const int64_t rows = dims_product(x, 0, axis), len = dims_product(x, axis, x.size());
  const double eps = node.attr_float("epsilon", 1e-5);
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  return kernel([=](const KernelArgs& args) {
    auto* src = static_cast<const float*>(args.inputs[0]);
    auto* scale = static_cast<const float*>(args.inputs[1]);
    auto* bias = has_bias ? static_cast<const float*>(args.inputs[2]) : nullptr;
    auto* dst = static_cast<float*>(args.outputs[0]);
    // Optional outputs: the mean and 1/stddev of each row.
    auto* mean_out = args.outputs.size() > 1 ? static_cast<float*>(args.outputs[1]) : nullptr;
    auto* inv_out = args.outputs.size() > 2 ? static_cast<float*>(args.outputs[2]) : nullptr;
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = src + r * len;
      double mean = 0, var = 0;
      for (int64_t i = 0; i < len; ++i) mean += row[i];
      mean /= static_cast<double>(len);
      for (int64_t i = 0; i < len; ++i) var += (row[i] - mean) * (row[i] - mean);
      const double inv = 1.0 / std::sqrt(var / static_cast<double>(len) + eps);
      if (mean_out) mean_out[r] = static_cast<float>(mean);
      if (inv_out) inv_out[r] = static_cast<float>(inv);
      for (int64_t i = 0; i < len; ++i)
        dst[r * len + i] =
            static_cast<float>((row[i] - mean) * inv * scale[i] + (bias ? bias[i] : 0.0));
    }
  });
}

}  // namespace cosched::ref
