// Conv on oneDNN, with a fused residual Add (sum post-op) and fused activations, or on our
// Winograd kernel.
#include <fmt/format.h>

#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/winograd_conv.h"
#include "cos/exec/window.h"

namespace cosched::dnnl_ops {

using dnnl::memory;
using tag = dnnl::memory::format_tag;

namespace {

// The layouts timed for src/dst: what oneDNN picks, channel blocks of 16 (jit:avx512
// kernels that scale with threads), plain NCHW, channels last.
enum Variant { any, blocked16, plain, channels_last, count };

tag activation_tag(Variant v, size_t rank) {
  switch (v) {
    case any:
      return tag::any;
    case blocked16:
      return rank == 3 ? tag::nCw16c : rank == 4 ? tag::nChw16c : tag::nCdhw16c;
    case plain:
      return rank == 3 ? tag::ncw : rank == 4 ? tag::nchw : tag::ncdhw;
    default:
      return rank == 3 ? tag::nwc : rank == 4 ? tag::nhwc : tag::ndhwc;
  }
}

// Our Winograd kernel F(m x m, 3x3) for a 3x3 stride-1 conv (+ residual) (+ Relu); nullptr
// where it does not apply (WinogradConv::make). It works in 16-channel blocks where the input
// comes in them, else in 8-channel blocks: other stored layouts are reordered to those. (An
// im2col product on the same GEMM tile was tried too: 0.9-1.2x oneDNN's time on resnet18's
// stride-2 3x3 convs, 1.4-3.6x on 1x1s, on one and two Zen 3 cores; not kept.)
std::unique_ptr<DnnlKernel> winograd(const DnnlContext& context, const Graph& graph,
                                     std::span<const Node* const> group, const StoredLayouts& io,
                                     int m) {
  const Node& node = *group[0];
  const Shape& x = graph.values[node.inputs[0]].shape;
  const Shape& w = graph.values[node.inputs[1]].shape;
  const Shape& y = graph.values[group.back()->outputs[0]].shape;
  if (x.size() != 4 || node.attr_int("group", 1) != 1) return nullptr;
  const bool has_sum = group.size() > 1 && group[1]->op == "Add";
  const auto activations = group.subspan(has_sum ? 2 : 1);
  const bool relu = activations.size() == 1 && activations[0]->op == "Relu";
  if (activations.size() > (relu ? 1 : 0)) return nullptr;
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  std::vector<float> bias;
  if (has_bias) {
    const Tensor* b = graph.constant_input(node, 2);
    if (!b) return nullptr;
    const auto* values = reinterpret_cast<const float*>(b->bytes.data());
    bias.assign(values, values + w[0]);
  }
  const Window win = window_of(node, x, y, Shape(w.begin() + 2, w.end()));
  const ConvShape shape{.batch = x[0],
                        .in_channels = x[1],
                        .out_channels = w[0],
                        .in_height = x[2],
                        .in_width = x[3],
                        .out_height = y[2],
                        .out_width = y[3],
                        .kernel_height = w[2],
                        .kernel_width = w[3],
                        .stride_height = win.stride[0],
                        .stride_width = win.stride[1],
                        .dilation_height = win.dilation[0],
                        .dilation_width = win.dilation[1],
                        .pad_top = win.pad_begin[0],
                        .pad_left = win.pad_begin[1]};
  const auto f32 = memory::data_type::f32;
  // 16-channel blocks where the input comes in them (AVX-512 machines' convs), else 8.
  const bool sixteen = x[1] % 16 == 0 && io.input == memory::desc(to_dims(x), f32, tag::nChw16c);
  const tag blocks = sixteen ? tag::nChw16c : tag::nChw8c;
  const auto* weights = reinterpret_cast<const float*>(graph.constant_input(node, 1)->bytes.data());
  std::shared_ptr<const OwnConv> conv =
      WinogradConv::make(m, sixteen ? 16 : 8, shape, weights, std::move(bias), relu);
  if (!conv) return nullptr;
  auto kernel = std::make_unique<DnnlKernel>(
      context, fmt::format("own winograd F({},3){}", m, relu ? " + relu" : ""));
  const memory::desc x_blocks(to_dims(x), f32, blocks), y_blocks(to_dims(y), f32, blocks);
  memory src_user(io.input, context.engine, nullptr);
  memory dst_user(io.free_output ? y_blocks : plain_desc(y), context.engine, nullptr);
  kernel->set_output_desc(dst_user.get_desc());
  kernel->bind_input(0, src_user);
  kernel->bind_output(0, dst_user);
  memory src = kernel->reordered_input(src_user, x_blocks);
  memory dst = kernel->output_in(dst_user, y_blocks);
  memory skip;
  if (has_sum) {
    memory skip_user(io.skip, context.engine, nullptr);
    kernel->bind_input(residual_input(group), skip_user);
    skip = kernel->reordered_input(skip_user, y_blocks);
  }
  kernel->add_own([conv, src, skip, dst] {
    conv->run(static_cast<const float*>(src.get_data_handle()),
              skip ? static_cast<const float*>(skip.get_data_handle()) : nullptr,
              static_cast<float*>(dst.get_data_handle()));
  });
  kernel->finish_output(dst, dst_user);
  kernel->mark_packed(1);
  if (has_bias) kernel->mark_packed(2);
  return kernel;
}

}  // namespace

size_t residual_input(std::span<const Node* const> group) {
  const Node& conv = *group[0];
  return conv.inputs.size() + (group[1]->inputs[0] == conv.outputs[0] ? 1 : 0);
}

int conv_variants(std::span<const Node* const> group) {
  // The layouts (each twice for a swish), then our Winograd kernels F(2x2, 3x3), F(4x4, 3x3).
  return (ends_in_swish(group) ? 2 * Variant::count : Variant::count) + 2;
}

std::unique_ptr<DnnlKernel> conv(const DnnlContext& context, const Graph& graph,
                                 std::span<const Node* const> group, int variant,
                                 const StoredLayouts& io) {
  const int own = conv_variants(group) - 2;
  if (variant >= own) return winograd(context, graph, group, io, variant == own ? 2 : 4);
  const bool first_half = variant < Variant::count;  // a swish group's: with silu_in_place
  variant %= Variant::count;
  const Node& node = *group[0];
  const Shape& x = graph.values[node.inputs[0]].shape;
  const Shape& w = graph.values[node.inputs[1]].shape;
  const Shape& y = graph.values[group.back()->outputs[0]].shape;
  const Window win = window_of(node, x, y, Shape(w.begin() + 2, w.end()));
  const int64_t groups = node.attr_int("group", 1);
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  const bool has_sum = group.size() > 1 && group[1]->op == "Add";
  const auto activations = group.subspan(has_sum ? 2 : 1);
  const bool own_silu = first_half && ends_in_swish(activations);

  memory::dims dilation, strides = win.stride;
  for (int64_t d : win.dilation) dilation.push_back(d - 1);  // oneDNN counts the holes
  memory::dims weight_dims = to_dims(w);
  if (groups > 1) {
    weight_dims[0] /= groups;
    weight_dims.insert(weight_dims.begin(), groups);
  }
  const auto f32 = memory::data_type::f32;
  const tag act = activation_tag(static_cast<Variant>(variant), x.size());
  memory::desc src_any(to_dims(x), f32, act), dst_any(to_dims(y), f32, act);
  memory::desc weights_any(weight_dims, f32, tag::any);
  memory::desc bias_desc = has_bias ? plain_desc({w[0]}) : memory::desc();

  dnnl::primitive_attr attr = user_scratchpad();
  attr.set_post_ops(eltwise_post_ops(
      graph, own_silu ? activations.first(activations.size() - 2) : activations, has_sum));

  dnnl::convolution_forward::primitive_desc pd;
  try {
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_any,
        weights_any, bias_desc, dst_any, strides, dilation, win.pad_begin, win.pad_end);
    pd = dnnl::convolution_forward::primitive_desc(desc, attr, context.engine);
  } catch (const dnnl::error&) {
    return nullptr;
  }
  // A forced layout that only oneDNN's naive reference code takes is not worth timing.
  if (variant != any && impl_name(pd).rfind("ref", 0) == 0) return nullptr;
  static const char* names[] = {"any", "16c", "plain", "nhwc"};
  auto kernel = std::make_unique<DnnlKernel>(
      context, "dnnl:" + impl_name(pd) + " (" + names[variant] + ")" + (own_silu ? " + silu" : ""));
  memory src_user(io.input, context.engine, nullptr);
  // Keep the primitive's own dst layout when consumers take it and it needs no padding.
  const bool keep_dst = io.free_output && pd.dst_desc().get_size() == plain_desc(y).get_size();
  memory dst_user(keep_dst ? pd.dst_desc() : plain_desc(y), context.engine, nullptr);
  kernel->set_output_desc(dst_user.get_desc());
  kernel->bind_input(0, src_user);
  kernel->bind_output(0, dst_user);
  memory src = kernel->reordered_input(src_user, pd.src_desc());
  memory dst = kernel->output_in(dst_user, pd.dst_desc());
  if (has_sum) {
    // The sum post-op adds what dst holds: put the other Add operand there first.
    memory skip_user(io.skip, context.engine, nullptr);
    kernel->bind_input(residual_input(group), skip_user);
    kernel->add(dnnl::reorder(skip_user, dst, user_scratchpad()),
                {{DNNL_ARG_FROM, skip_user}, {DNNL_ARG_TO, dst}});
  }
  // ONNX weights (OC, IC/G, k...) are oneDNN's plain goihw once the group dim is split off.
  memory weights_user =
      constant_memory(context, plain_desc(Shape(weight_dims.begin(), weight_dims.end())),
                      graph.constant_input(node, 1)->bytes.data());
  memory weights = packed(context, weights_user, pd.weights_desc());
  kernel->mark_packed(1);
  std::unordered_map<int, memory> args = {
      {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
  if (has_bias) {
    memory bias_user(bias_desc, context.engine, nullptr);
    kernel->bind_input(2, bias_user);
    args[DNNL_ARG_BIAS] = bias_user;
  }
  kernel->add(dnnl::convolution_forward(pd), args);
  if (own_silu) kernel->add_silu(dst);
  kernel->finish_output(dst, dst_user);
  return kernel;
}

}  // namespace cosched::dnnl_ops
