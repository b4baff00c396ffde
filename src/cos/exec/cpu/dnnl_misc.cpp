// The other ops on oneDNN primitives, on plain layouts.
#include <algorithm>
#include <map>

#include "cos/exec/cpu/concat_copy.h"
#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/fast_softmax.h"
#include "cos/exec/cpu/max_pool.h"
#include "cos/exec/fusion_patterns.h"
#include "cos/exec/reference/ref_util.h"
#include "cos/exec/window.h"
#include "cos/graph/slice_window.h"

namespace cosched::dnnl_ops {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

namespace {

const Shape& shape_of(const Graph& graph, int value) {
  return graph.values[value].shape;
}

// A kernel running one primitive from plain inputs to plain outputs: `inputs` pairs an
// arg index with the primitive argument it feeds.
std::unique_ptr<DnnlKernel> single(const DnnlContext& context, const dnnl::primitive_desc_base& pd,
                                   dnnl::primitive primitive,
                                   const std::vector<std::pair<int, memory::desc>>& inputs,
                                   const std::vector<int>& input_indices, const memory::desc& dst) {
  auto kernel = std::make_unique<DnnlKernel>(context, "dnnl:" + impl_name(pd));
  std::unordered_map<int, memory> args;
  for (size_t i = 0; i < inputs.size(); ++i) {
    memory m(inputs[i].second, context.engine, nullptr);
    kernel->bind_input(input_indices[i], m);
    args[inputs[i].first] = m;
  }
  memory out(dst, context.engine, nullptr);
  kernel->set_output_desc(dst);  // a layout other than plain is what consumers must read
  kernel->bind_output(0, out);
  args[DNNL_ARG_DST] = out;
  kernel->add(primitive, args);
  return kernel;
}

// The mean over the dims where `dst` has size 1, read from `src` in its layout; nullptr
// where oneDNN has no primitive for it, or (unless `reference_ok`) only its reference code.
std::unique_ptr<DnnlKernel> mean_over(const DnnlContext& context, const memory::desc& src,
                                      const memory::desc& dst, bool reference_ok) {
  try {
    dnnl::reduction::desc desc(algorithm::reduction_mean, src, dst, 0.0f, 0.0f);
    dnnl::reduction::primitive_desc pd(desc, user_scratchpad(), context.engine);
    if (!reference_ok && impl_name(pd).rfind("ref", 0) == 0) return nullptr;
    return single(context, pd, dnnl::reduction(pd), {{DNNL_ARG_SRC, src}}, {0}, dst);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

// A descriptor of `dims` in the same layout as `like` (one of the layouts activations are
// stored in), or plain when `like` has another.
memory::desc same_layout(const memory::desc& like, const memory::dims& dims) {
  using tag = memory::format_tag;
  static const std::vector<tag> tags[] = {{tag::ncw, tag::nwc, tag::nCw16c, tag::nCw8c},
                                          {tag::nchw, tag::nhwc, tag::nChw16c, tag::nChw8c},
                                          {tag::ncdhw, tag::ndhwc, tag::nCdhw16c, tag::nCdhw8c}};
  const size_t rank = dims.size();
  if (rank >= 3 && rank <= 5)
    for (tag t : tags[rank - 3])
      if (memory::desc(like.dims(), memory::data_type::f32, t) == like)
        return memory::desc(dims, memory::data_type::f32, t);
  return plain_desc(Shape(dims.begin(), dims.end()));
}

}  // namespace

int pool_variants(const Node& node) {
  return node.op == "MaxPool" ? 2 : 1;
}

std::unique_ptr<DnnlKernel> pool(const DnnlContext& context, const Graph& graph, const Node& node,
                                 const StoredLayouts& io, int variant) {
  // GlobalAveragePool as a mean over the spatial dims, in the layout the input is stored
  // in: oneDNN 2.6's reduction is about 3x faster than its pooling with a window of the
  // whole image (1x144x56x56: 0.027 against 0.087 ms on one core); its reference code is not.
  if (node.op == "GlobalAveragePool") {
    auto kernel = mean_over(context, io.input, plain_desc(shape_of(graph, node.outputs[0])),
                            /*reference_ok=*/false);
    if (kernel) return kernel;
  }
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const bool global = node.op == "GlobalAveragePool" || node.op == "GlobalMaxPool";
  const bool is_max = node.op == "MaxPool" || node.op == "GlobalMaxPool";
  Window w = window_of(node, x, y,
                       global ? Shape(x.begin() + 2, x.end()) : node.attr_ints("kernel_shape"));
  if (pool_variants(node) == 2 && variant == 0)
    return io.free_output ? MaxPoolChannelsInner::make(context, io.input, w) : nullptr;
  const bool include_pad = node.attr_int("count_include_pad", 0) != 0;
  // oneDNN would count the extra end padding of ceil_mode as padding too.
  if (!is_max && include_pad && w.pad_end != w.pad_end_attr) return nullptr;
  memory::dims dilation;
  for (int64_t d : w.dilation) dilation.push_back(d - 1);
  algorithm alg = is_max        ? algorithm::pooling_max
                  : include_pad ? algorithm::pooling_avg_include_padding
                                : algorithm::pooling_avg_exclude_padding;
  // Pool in the layout the input is stored in; the output follows it when it may, or when
  // it has the same bytes as plain in that layout (a global pool's [N, C, 1, 1]).
  const memory::desc plain_y = plain_desc(y);
  const memory::desc like_input = same_layout(io.input, to_dims(y));
  const bool same_bytes = global && like_input.get_size() == plain_y.get_size();
  const memory::desc src_desc = io.free_output || same_bytes ? io.input : plain_desc(x);
  const memory::desc dst_desc =
      io.free_output ? memory::desc(to_dims(y), memory::data_type::f32, memory::format_tag::any)
      : same_bytes   ? like_input
                     : plain_y;
  try {
    dnnl::pooling_v2_forward::desc desc(prop_kind::forward_inference, alg, src_desc, dst_desc,
                                        w.stride, w.kernel, dilation, w.pad_begin, w.pad_end);
    dnnl::pooling_v2_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    if (pd.dst_desc().get_size() != plain_y.get_size()) return nullptr;
    auto kernel = std::make_unique<DnnlKernel>(context, "dnnl:" + impl_name(pd));
    memory src_user(io.input, context.engine, nullptr), dst(pd.dst_desc(), context.engine, nullptr);
    kernel->bind_input(0, src_user);
    kernel->bind_output(0, dst);
    kernel->set_output_desc(same_bytes && !io.free_output ? plain_y : pd.dst_desc());
    memory src = kernel->reordered_input(src_user, pd.src_desc());
    kernel->add(dnnl::pooling_v2_forward(pd), {{DNNL_ARG_SRC, src}, {DNNL_ARG_DST, dst}});
    return kernel;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> eltwise(const DnnlContext& context, const Graph& graph,
                                    const Node& node) {
  auto steps = eltwise_of(graph, node);
  if (!steps) return nullptr;
  memory::desc data = plain_desc(shape_of(graph, node.outputs[0]));
  auto kernel = std::make_unique<DnnlKernel>(context, "");
  memory src(data, context.engine, nullptr), dst(data, context.engine, nullptr);
  kernel->bind_input(0, src);
  kernel->bind_output(0, dst);
  std::string implementation;
  try {
    // The first step reads the input, the others (HardSigmoid's clip) work in place on dst.
    for (size_t i = 0; i < steps->size(); ++i) {
      const Eltwise& e = (*steps)[i];
      dnnl::eltwise_forward::desc desc(prop_kind::forward_inference, e.alg, data, e.alpha, e.beta);
      dnnl::eltwise_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
      kernel->add(dnnl::eltwise_forward(pd),
                  {{DNNL_ARG_SRC, i == 0 ? src : dst}, {DNNL_ARG_DST, dst}});
      implementation += (i ? " + " : "dnnl:") + impl_name(pd);
    }
  } catch (const dnnl::error&) {
    return nullptr;
  }
  kernel->set_implementation(implementation);
  return kernel;
}

std::unique_ptr<DnnlKernel> gelu(const DnnlContext& context, const Graph& graph,
                                 std::span<const Node* const> group) {
  memory::desc data = plain_desc(shape_of(graph, group.back()->outputs[0]));
  try {
    dnnl::eltwise_forward::desc desc(prop_kind::forward_inference, algorithm::eltwise_gelu_erf,
                                     data);
    dnnl::eltwise_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    // args.inputs[0] is the Div's x, the pattern's input.
    return single(context, pd, dnnl::eltwise_forward(pd), {{DNNL_ARG_SRC, data}}, {0}, data);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> binary(const DnnlContext& context, const Graph& graph, const Node& node,
                                   const StoredLayouts& io) {
  static const std::map<std::string, algorithm> algs = {{"Add", algorithm::binary_add},
                                                        {"Sub", algorithm::binary_sub},
                                                        {"Mul", algorithm::binary_mul},
                                                        {"Div", algorithm::binary_div}};
  auto alg = algs.find(node.op);
  if (alg == algs.end()) return nullptr;
  const Shape& y = shape_of(graph, node.outputs[0]);
  int first = 0, second = 1;
  // oneDNN broadcasts only the second operand: swap when the first is the smaller one.
  if (shape_of(graph, node.inputs[0]) != y) {
    if (node.op == "Sub" || node.op == "Div") return nullptr;
    std::swap(first, second);
  }
  const Shape& s0 = shape_of(graph, node.inputs[first]);
  if (s0 != y) return nullptr;
  Shape s1 = shape_of(graph, node.inputs[second]);
  const bool full_second = s1 == y;
  s1.insert(s1.begin(), y.size() - s1.size(), 1);
  // Work in the layout the first operand is stored in when the output may stay in it (a
  // conv's blocked output scaled by a squeeze-excite gate), else plain; a full-size second
  // operand is brought to that layout.
  const memory::desc stored0 = io.inputs.empty() ? plain_desc(s0) : io.inputs[first];
  const memory::desc work = io.free_output ? stored0 : plain_desc(y);
  // A per-channel operand (1xCx1x1) holds the same bytes in every layout without padding;
  // oneDNN's jit code wants it described in the layout of the first.
  const bool per_channel =
      s1.size() > 1 && std::count(s1.begin(), s1.end(), 1) + 1 == static_cast<long>(s1.size()) &&
      s1[1] != 1;
  const memory::desc plain1 = plain_desc(s1), relaid1 = same_layout(work, to_dims(s1));
  const memory::desc desc1 = full_second                                              ? work
                             : per_channel && relaid1.get_size() == plain1.get_size() ? relaid1
                                                                                      : plain1;
  try {
    dnnl::binary::desc desc(alg->second, work, desc1, work);
    dnnl::binary::primitive_desc pd(desc, user_scratchpad(), context.engine);
    if (work != plain_desc(y) && impl_name(pd).rfind("ref", 0) == 0) return nullptr;
    auto kernel = std::make_unique<DnnlKernel>(context, "dnnl:" + impl_name(pd));
    std::unordered_map<int, memory> args;
    const int arg[2] = {DNNL_ARG_SRC_0, DNNL_ARG_SRC_1};
    const int index[2] = {first, second};
    for (int i = 0; i < 2; ++i) {
      const int v = node.inputs[index[i]];
      const bool blocked =
          !io.inputs.empty() && io.inputs[index[i]] != plain_desc(shape_of(graph, v));
      // Plain bytes are read as they are: a per-channel operand's are the same in desc1.
      const memory::desc stored = blocked                  ? io.inputs[index[i]]
                                  : i == 1 && !full_second ? desc1
                                                           : plain_desc(s0);
      memory user(stored, context.engine, nullptr);
      kernel->bind_input(index[i], user);
      args[arg[i]] = kernel->reordered_input(user, i == 0 ? work : desc1);
    }
    memory dst(work, context.engine, nullptr);
    kernel->bind_output(0, dst);
    kernel->set_output_desc(work);
    args[DNNL_ARG_DST] = dst;
    kernel->add(dnnl::binary(pd), args);
    return kernel;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

namespace {

// The layouts a Concat may leave its output in, first choice first: its first input's where
// that is plain-strided and the output may take it, else plain.
std::vector<memory::desc> concat_outputs(const Graph& graph, const Node& node,
                                         const StoredLayouts& io) {
  const Shape& y = shape_of(graph, node.outputs[0]);
  std::vector<memory::desc> outputs;
  if (io.free_output) outputs.push_back(same_layout(io.inputs[0], to_dims(y)));
  outputs.push_back(plain_desc(y));
  return outputs;
}

int64_t concat_axis(const Graph& graph, const Node& node) {
  const int64_t axis = node.attr_int("axis", 0);
  return axis < 0 ? axis + static_cast<int64_t>(shape_of(graph, node.outputs[0]).size()) : axis;
}

}  // namespace

std::optional<std::pair<memory::desc, std::vector<int64_t>>> concat_in_place(
    const Graph& graph, const Node& node, const StoredLayouts& io) {
  const int axis = static_cast<int>(concat_axis(graph, node));
  for (const memory::desc& out : concat_outputs(graph, node, io))
    if (auto offsets = ConcatCopy::in_place_offsets(io.inputs, out, axis))
      return std::pair{out, std::move(*offsets)};
  return std::nullopt;
}

std::unique_ptr<DnnlKernel> concat(const DnnlContext& context, const Graph& graph, const Node& node,
                                   const StoredLayouts& io) {
  const Shape& y = shape_of(graph, node.outputs[0]);
  const int64_t axis = concat_axis(graph, node);
  // Each input in its stored layout; copies of runs where the output's layout allows them.
  const std::vector<memory::desc>& descs = io.inputs;
  const memory::desc plain_y = plain_desc(y);
  for (const memory::desc& out : concat_outputs(graph, node, io)) {
    if (auto copy = ConcatCopy::make(context, descs, out, static_cast<int>(axis))) {
      copy->set_output_desc(out);
      return copy;
    }
  }
  const memory::desc dst_desc =
      io.free_output ? memory::desc(to_dims(y), memory::data_type::f32, memory::format_tag::any)
                     : plain_y;
  try {
    dnnl::concat::primitive_desc pd(dst_desc, static_cast<int>(axis), descs, context.engine,
                                    user_scratchpad());
    if (pd.dst_desc().get_size() != plain_y.get_size()) return nullptr;
    auto kernel = std::make_unique<DnnlKernel>(context, "dnnl:" + impl_name(pd));
    std::unordered_map<int, memory> args;
    for (size_t i = 0; i < descs.size(); ++i) {
      memory m(descs[i], context.engine, nullptr);
      kernel->bind_input(i, m);
      args[DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i)] = m;
    }
    memory dst(pd.dst_desc(), context.engine, nullptr);
    kernel->bind_output(0, dst);
    kernel->set_output_desc(pd.dst_desc());
    args[DNNL_ARG_DST] = dst;
    kernel->add(dnnl::concat(pd), args);
    return kernel;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> softmax(const DnnlContext& context, const Graph& graph,
                                    const Node& node) {
  // Plain data seen as [outer, len, inner], normalized along the middle dim.
  const auto [outer, len, inner] = ref::softmax_span(graph, node);
  memory::desc data = plain_desc(Shape{outer, len, inner});
  if (inner == 1) {  // along the last dim: ours
    auto kernel = std::make_unique<DnnlKernel>(context, "own softmax");
    memory in(data, context.engine, nullptr), out(data, context.engine, nullptr);
    kernel->bind_input(0, in);
    kernel->bind_output(0, out);
    kernel->set_output_desc(data);
    kernel->add_own([in, out, rows = outer, len = len] {
      softmax_rows(static_cast<const float*>(in.get_data_handle()),
                   static_cast<float*>(out.get_data_handle()), rows, len);
    });
    return kernel;
  }
  try {
    dnnl::softmax_forward::desc desc(prop_kind::forward_inference, data, 1);
    dnnl::softmax_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    return single(context, pd, dnnl::softmax_forward(pd), {{DNNL_ARG_SRC, data}}, {0}, data);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> reduce_mean(const DnnlContext& context, const Graph& graph,
                                        const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  Shape kept = x;
  std::vector<int64_t> axes = node.attr_ints("axes");
  if (axes.empty())
    for (auto& d : kept) d = 1;
  for (int64_t a : axes) kept[a < 0 ? a + static_cast<int64_t>(x.size()) : a] = 1;
  return mean_over(context, plain_desc(x), plain_desc(kept), /*reference_ok=*/true);
}

std::unique_ptr<DnnlKernel> transpose(const DnnlContext& context, const Graph& graph,
                                      const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  if (y.empty()) return nullptr;
  const std::vector<int64_t> perm = node.transpose_perm(x.size());
  // The input read in output order: dims of y, strides of x permuted.
  memory::dims in_strides(x.size(), 1), read(y.size());
  for (size_t i = x.size(); i-- > 1;) in_strides[i - 1] = in_strides[i] * x[i];
  for (size_t i = 0; i < y.size(); ++i) read[i] = in_strides[perm[i]];
  memory::desc src(to_dims(y), memory::data_type::f32, read);
  try {
    dnnl::reorder::primitive_desc pd(context.engine, src, context.engine, plain_desc(y),
                                     user_scratchpad());
    return single(context, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, src}}, {0}, plain_desc(y));
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> slice(const DnnlContext& context, const Graph& graph,
                                  const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  const Shape& y = shape_of(graph, node.outputs[0]);
  const SliceWindow window = slice_window(graph, node);
  if (x.empty() ||
      std::any_of(window.step.begin(), window.step.end(), [](int64_t s) { return s != 1; }))
    return nullptr;  // strided slices: the reference
  // A copy of the sub-block of x that starts at window.start.
  memory::desc part = plain_desc(x).submemory_desc(to_dims(y), to_dims(window.start));
  try {
    dnnl::reorder::primitive_desc pd(context.engine, part, context.engine, plain_desc(y),
                                     user_scratchpad());
    return single(context, pd, dnnl::reorder(pd), {{DNNL_ARG_FROM, part}}, {0}, plain_desc(y));
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> layer_norm(const DnnlContext& context, const Graph& graph,
                                       const Node& node) {
  if (node.outputs.size() > 1) return nullptr;  // Mean and InvStdDev: the reference computes them
  const Shape& x = shape_of(graph, node.inputs[0]);
  int64_t axis = node.attr_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.size());
  // Normalized over the trailing dims [axis, rank): a 2-D view {rows, len}.
  Shape rows_len = {dims_product(x, 0, axis), dims_product(x, axis, x.size())};
  const bool has_bias = node.inputs.size() > 2 && node.inputs[2] >= 0;
  auto flags = dnnl::normalization_flags::use_scale;
  if (has_bias) flags = flags | dnnl::normalization_flags::use_shift;
  memory::desc data = plain_desc(rows_len), param = plain_desc({rows_len[1]});
  try {
    dnnl::layer_normalization_forward::desc desc(
        prop_kind::forward_inference, data, static_cast<float>(node.attr_float("epsilon", 1e-5)),
        flags);
    dnnl::layer_normalization_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    std::vector<std::pair<int, memory::desc>> inputs = {{DNNL_ARG_SRC, data},
                                                        {DNNL_ARG_SCALE, param}};
    std::vector<int> indices = {0, 1};
    if (has_bias) {
      inputs.push_back({DNNL_ARG_SHIFT, param});
      indices.push_back(2);
    }
    return single(context, pd, dnnl::layer_normalization_forward(pd), inputs, indices, data);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> layer_norm_pattern(const DnnlContext& context, const Graph& graph,
                                               std::span<const Node* const> group) {
  const std::optional<LayerNormPattern> p = layer_norm_from(graph, *group[0]);
  if (!p || p->nodes.size() != group.size()) return nullptr;
  const Shape& x = shape_of(graph, group[0]->inputs[0]);
  const int64_t len = x.back();
  const memory::desc data = plain_desc({dims_product(x, 0, x.size() - 1), len}),
                     param = plain_desc({len});
  // A row of the constant `value`, or of `fallback` where it is absent (-1).
  auto row = [&](int value, float fallback) {
    memory m(param, context.engine);
    auto* f = static_cast<float*>(m.get_data_handle());
    std::fill(f, f + len, fallback);
    if (value >= 0) {
      const std::vector<double> v = to_doubles(*graph.values[value].data);
      std::copy(v.begin(), v.end(), f);
    }
    return m;
  };
  try {
    dnnl::layer_normalization_forward::desc desc(
        prop_kind::forward_inference, data, p->epsilon,
        dnnl::normalization_flags::use_scale | dnnl::normalization_flags::use_shift);
    dnnl::layer_normalization_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    auto kernel = std::make_unique<DnnlKernel>(context, "dnnl:" + impl_name(pd));
    memory src(data, context.engine, nullptr), dst(data, context.engine, nullptr);
    kernel->bind_input(0, src);
    kernel->bind_output(0, dst);
    kernel->set_output_desc(data);
    kernel->add(dnnl::layer_normalization_forward(pd), {{DNNL_ARG_SRC, src},
                                                        {DNNL_ARG_SCALE, row(p->scale, 1)},
                                                        {DNNL_ARG_SHIFT, row(p->bias, 0)},
                                                        {DNNL_ARG_DST, dst}});
    return kernel;
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

std::unique_ptr<DnnlKernel> batch_norm(const DnnlContext& context, const Graph& graph,
                                       const Node& node) {
  const Shape& x = shape_of(graph, node.inputs[0]);
  if (x.size() < 2) return nullptr;
  memory::desc data = plain_desc(x), param = plain_desc({x[1]});
  auto flags = dnnl::normalization_flags::use_global_stats | dnnl::normalization_flags::use_scale |
               dnnl::normalization_flags::use_shift;
  try {
    dnnl::batch_normalization_forward::desc desc(
        prop_kind::forward_inference, data, static_cast<float>(node.attr_float("epsilon", 1e-5)),
        flags);
    dnnl::batch_normalization_forward::primitive_desc pd(desc, user_scratchpad(), context.engine);
    return single(context, pd, dnnl::batch_normalization_forward(pd),
                  {{DNNL_ARG_SRC, data},
                   {DNNL_ARG_SCALE, param},
                   {DNNL_ARG_SHIFT, param},
                   {DNNL_ARG_MEAN, param},
                   {DNNL_ARG_VARIANCE, param}},
                  {0, 1, 2, 3, 4}, data);
  } catch (const dnnl::error&) {
    return nullptr;
  }
}

}  // namespace cosched::dnnl_ops
