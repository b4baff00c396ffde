// A depthwise Conv (with its fused activations) on cos's own nChw16c kernel, wrapped as a
// DnnlKernel so that oneDNN reorders feed it and read it where neighbours store other layouts.
#include <memory>

#include "cos/exec/cpu/depthwise_conv.h"
#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/window.h"

namespace cosched::dnnl_ops {

using dnnl::memory;

namespace {

std::optional<std::vector<DepthwiseActivation>> own_activations(
    const Graph& graph, std::span<const Node* const> nodes) {
  std::vector<DepthwiseActivation> result;
  for (const Eltwise& e : eltwise_steps(graph, nodes)) {
    using dnnl::algorithm;
    using A = DepthwiseActivation;
    if (e.alg == algorithm::eltwise_relu)
      result.push_back({A::relu, e.alpha});
    else if (e.alg == algorithm::eltwise_clip)
      result.push_back({A::clip, e.alpha, e.beta});
    else if (e.alg == algorithm::eltwise_linear)
      result.push_back({A::linear, e.alpha, e.beta});
    else if (e.alg == algorithm::eltwise_swish)
      result.push_back({A::swish, e.alpha});
    else if (e.alg == algorithm::eltwise_logistic)
      result.push_back({A::logistic});
    else if (e.alg == algorithm::eltwise_hardswish)
      result.push_back({A::hardswish});
    else
      return std::nullopt;
  }
  return result;
}

// ONNX weights (C, 1, KH, KW) as [C/16][KH][KW][16].
std::vector<float> pack_weights(const float* w, int64_t channels, int64_t taps) {
  std::vector<float> packed(static_cast<size_t>(channels * taps));
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t t = 0; t < taps; ++t)
      packed[((c / 16) * taps + t) * 16 + c % 16] = w[c * taps + t];
  return packed;
}

}  // namespace

std::unique_ptr<DnnlKernel> own_depthwise_conv(const DnnlContext& context, const Graph& graph,
                                               std::span<const Node* const> group,
                                               const StoredLayouts& io, bool channels_last) {
  const Node& node = *group[0];
  const Shape& x = graph.values[node.inputs[0]].shape;
  const Shape& w = graph.values[node.inputs[1]].shape;
  const Shape& y = graph.values[group.back()->outputs[0]].shape;
  const bool has_sum = group.size() > 1 && group[1]->op == "Add";
  if (!depthwise_available() || has_sum || x.size() != 4 || x[1] % 16 != 0 || y[1] != x[1] ||
      node.attr_int("group", 1) != x[1] || w[1] != 1)
    return nullptr;
  auto activations = own_activations(graph, group.subspan(1));
  if (!activations) return nullptr;
  const Window win = window_of(node, x, y, Shape(w.begin() + 2, w.end()));
  DepthwiseGeometry g{x[0],
                      x[1] / 16,
                      x[2],
                      x[3],
                      y[2],
                      y[3],
                      w[2],
                      w[3],
                      win.stride[0],
                      win.stride[1],
                      win.dilation[0],
                      win.dilation[1],
                      win.pad_begin[0],
                      win.pad_begin[1],
                      channels_last};
  auto weights = std::make_shared<std::vector<float>>(
      pack_weights(reinterpret_cast<const float*>(graph.constant_input(node, 1)->bytes.data()),
                   x[1], w[2] * w[3]));

  auto kernel = std::make_unique<DnnlKernel>(
      context, channels_last ? "cos:depthwise_avx512 (nhwc)" : "cos:depthwise_avx512 (16c)");
  const auto layout = channels_last ? memory::format_tag::nhwc : memory::format_tag::nChw16c;
  const memory::desc blocked(to_dims(x), memory::data_type::f32, layout);
  const memory::desc blocked_out(to_dims(y), memory::data_type::f32, layout);
  memory src_user(io.input, context.engine, nullptr);
  memory dst_user(io.free_output ? blocked_out : plain_desc(y), context.engine, nullptr);
  kernel->set_output_desc(dst_user.get_desc());
  kernel->bind_input(0, src_user);
  kernel->bind_output(0, dst_user);
  memory src = kernel->reordered_input(src_user, blocked);
  memory dst = kernel->output_in(dst_user, blocked_out);
  memory bias;
  if (node.inputs.size() > 2 && node.inputs[2] >= 0) {
    bias = memory(plain_desc({y[1]}), context.engine, nullptr);
    kernel->bind_input(2, bias);
  }
  kernel->mark_packed(1);
  kernel->add([=, acts = std::move(*activations)]() {
    depthwise_conv(static_cast<const float*>(src.get_data_handle()), weights->data(),
                   bias ? static_cast<const float*>(bias.get_data_handle()) : nullptr,
                   static_cast<float*>(dst.get_data_handle()), g, acts);
  });
  kernel->finish_output(dst, dst_user);
  return kernel;
}

}  // namespace cosched::dnnl_ops
