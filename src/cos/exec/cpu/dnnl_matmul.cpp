// Gemm and MatMul on oneDNN's matmul, with a fused constant bias Add and activations.
#include <algorithm>
#include <cstring>

#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/packed_gemm.h"
#include "cos/exec/cpu/strided_views.h"
#include "cos/exec/fusion_patterns.h"

namespace cosched::dnnl_ops {

using dnnl::memory;

namespace {

// Our own GEMM over constant weights packed once (PackedGemm, where it applies: 2-D, a bias per
// column, no activation but Relu); then oneDNN's over constant weights copied with their last
// two dims stored the other way round, or packed in oneDNN's preferred layout, or any weights
// read as they are. The first that builds is kept unless another times 10% faster: timed alone,
// with the weights hot in cache, they tie, but in a model, where the weights come from memory,
// the earlier ones ran faster on an AVX2 Zen 3 (vit_b_16 on one core: oneDNN's plain weights
// 514 ms, the swapped copy 442-452; our own GEMM then 4% under the copy, in 5 of 6 pairs).
enum Variant { own_packed, transposed_weights, packed_weights, plain_weights, count };

// `dims` as the matmul reads them, over row-major data stored with the last two dims
// swapped when `transposed`.
memory::desc strided(const memory::dims& dims, bool transposed) {
  const size_t r = dims.size();
  memory::dims stored = dims;
  if (transposed) std::swap(stored[r - 2], stored[r - 1]);
  memory::dims strides(r, 1);
  for (size_t i = r - 1; i-- > 0;) strides[i] = strides[i + 1] * stored[i + 1];
  if (transposed) std::swap(strides[r - 2], strides[r - 1]);
  return memory::desc(dims, memory::data_type::f32, strides);
}

memory::dims padded_to(const Shape& shape, size_t rank) {
  memory::dims dims(rank - shape.size(), 1);
  dims.insert(dims.end(), shape.begin(), shape.end());
  return dims;
}

// A strided layout with leading dims of 1 up to `rank` (numpy's broadcast of a matrix).
memory::desc padded_desc(const memory::desc& desc, size_t rank) {
  memory::dims dims = desc.dims();
  const auto* given = desc.data.format_desc.blocking.strides;
  memory::dims strides(given, given + dims.size());
  while (dims.size() < rank) {
    strides.insert(strides.begin(), dims.front() * strides.front());
    dims.insert(dims.begin(), 1);
  }
  return memory::desc(dims, memory::data_type::f32, strides);
}

// The layout `io` gives input `at` in, where that is not plain `shape`; else nullptr.
const memory::desc* strided_input(const StoredLayouts& io, size_t at, const Shape& shape) {
  if (at >= io.inputs.size() || io.inputs[at].get_size() == 0) return nullptr;
  return io.inputs[at] == plain_desc(shape) ? nullptr : &io.inputs[at];
}

}  // namespace

bool is_scaled_product(const Graph& graph, std::span<const Node* const> group) {
  return group.size() == 2 && scales_a_product(graph, *group[0], *group[1]);
}

std::pair<size_t, size_t> product_operands(const Graph& graph, std::span<const Node* const> group) {
  if (!is_scaled_product(graph, group)) return {0, 1};
  // The scale's inputs come first, then the MatMul's (the scaled one internal).
  return group[1]->inputs[0] == group[0]->outputs[0] ? std::pair{size_t{0}, size_t{3}}
                                                     : std::pair{size_t{2}, size_t{0}};
}

int matmul_variants(std::span<const Node* const> group) {
  return ends_in_swish(group) ? 2 * Variant::count : Variant::count;
}

std::unique_ptr<DnnlKernel> matmul(const DnnlContext& context, const Graph& graph,
                                   std::span<const Node* const> group, int variant,
                                   const StoredLayouts& io) {
  const bool first_half = variant < Variant::count;  // a swish group's: with silu_in_place
  variant %= Variant::count;
  const bool scaled = is_scaled_product(graph, group);
  const auto product = group.subspan(scaled ? 1 : 0);  // the product and what fuses after it
  const Node& node = *product[0];
  const auto [a_at, b_at] = product_operands(graph, group);
  float scale = 1;
  if (scaled) {
    const auto factor = static_cast<float>(to_doubles(*graph.constant_input(*group[0], 1))[0]);
    scale = group[0]->op == "Div" ? 1 / factor : factor;
  }
  const bool is_gemm = node.op == "Gemm";
  Shape a = graph.values[node.inputs[0]].shape;
  const Shape& b = graph.values[node.inputs[1]].shape;
  Shape y = graph.values[node.outputs[0]].shape;
  if (a.size() < 2 || b.size() < 2) return nullptr;  // numpy's vector cases: the reference
  const memory::desc* a_stored = strided_input(io, a_at, a);
  const memory::desc* b_stored = strided_input(io, b_at, b);
  const bool y_strided = io.output.get_size() > 0;
  // Weights shared by every batch: one matrix product with the batch dims folded into the
  // rows (a [197, 1, 768] input is one 197-row product, not 197 one-row products).
  const bool shared_weights = std::all_of(b.begin(), b.end() - 2, [](int64_t d) { return d == 1; });
  if (!is_gemm && a.size() > 2 && shared_weights && !a_stored && !b_stored && !y_strided) {
    a = {element_count(a) / a.back(), a.back()};
    y = {element_count(y) / y.back(), y.back()};
  }
  const size_t rank = y.size();
  const Tensor* b_constant = graph.constant_input(node, 1);
  if (variant != plain_weights && !b_constant) return nullptr;
  const bool trans_a = is_gemm && node.attr_int("transA", 0) != 0;
  const bool trans_b = is_gemm && node.attr_int("transB", 0) != 0;
  const float alpha = scale * (is_gemm ? static_cast<float>(node.attr_float("alpha", 1.0)) : 1.0f);
  const float beta = is_gemm ? static_cast<float>(node.attr_float("beta", 1.0)) : 1.0f;

  memory::dims a_dims = padded_to(a, rank),
               b_dims = padded_to(Shape(b.end() - std::min(b.size(), rank), b.end()), rank);
  if (trans_a) std::swap(a_dims[rank - 2], a_dims[rank - 1]);
  if (trans_b) std::swap(b_dims[rank - 2], b_dims[rank - 1]);
  memory::desc a_desc = a_stored ? padded_desc(*a_stored, rank) : strided(a_dims, trans_a);
  memory::desc b_user_desc = b_stored ? padded_desc(*b_stored, rank) : strided(b_dims, trans_b);
  memory::desc y_desc = y_strided ? io.output : plain_desc(y);
  memory::desc b_desc = variant == packed_weights
                            ? memory::desc(b_dims, memory::data_type::f32, memory::format_tag::any)
                        : variant == transposed_weights ? strided(b_dims, !trans_b)
                                                        : b_user_desc;

  // The bias: Gemm's C, or the constant operand of a fused Add; scaled by beta, owned here.
  const Tensor* bias = nullptr;
  size_t first_activation = 1;
  if (is_gemm && node.inputs.size() > 2 && node.inputs[2] >= 0)
    bias = graph.constant_input(node, 2);
  if (product.size() > 1 && product[1]->op == "Add") {
    const Node& add = *product[1];
    bias = graph.constant_input(add, add.inputs[0] == node.outputs[0] ? 1 : 0);
    first_activation = 2;
  }
  memory::desc bias_desc;
  std::vector<float> bias_data;
  if (bias) {
    Shape rows_cols = bias->shape;  // folded like the output when its batch dims were
    if (rows_cols.size() > rank)
      rows_cols = {element_count(rows_cols) / rows_cols.back(), rows_cols.back()};
    bias_desc = plain_desc(Shape(padded_to(rows_cols, rank)));
    for (double v : to_doubles(*bias)) bias_data.push_back(static_cast<float>(v * beta));
  }
  const auto activations = product.subspan(first_activation);
  // A GELU the executor cut short (a placement boundary): no kernel here, the nodes one by one.
  if (!activations.empty() && activations[0]->op == "Div" && !is_gelu(graph, activations))
    return nullptr;
  if (variant == own_packed) {
    using Activation = PackedGemm::Activation;
    const Activation activation = activations.size() == 1 && activations[0]->op == "Relu"
                                      ? Activation::relu
                                  : is_gelu(graph, activations) ? Activation::gelu
                                                                : Activation::none;
    const bool bias_per_column =
        !bias || (element_count(bias->shape) == y.back() && bias->shape.back() == y.back());
    if (!b_constant || b_constant->dtype != DType::f32 || trans_a || alpha != 1.0f || scaled ||
        rank != 2 || b.size() != 2 || !bias_per_column || !first_half ||
        (!activations.empty() && activation == Activation::none) || a_stored || y_strided)
      return nullptr;
    return PackedGemm::make(context, y[0], a[1], y[1], b_constant->data<float>(), trans_b,
                            std::move(bias_data), activation);
  }
  dnnl::primitive_attr attr = user_scratchpad();
  const bool own_silu = first_half && ends_in_swish(activations);
  attr.set_post_ops(
      eltwise_post_ops(graph, own_silu ? activations.first(activations.size() - 2) : activations));
  if (alpha != 1.0f) {
    if (bias) return nullptr;  // output scales would scale the bias too
    attr.set_output_scales(0, {alpha});
  }
  dnnl::matmul::primitive_desc pd;
  try {
    dnnl::matmul::desc desc(a_desc, b_desc, bias_desc, y_desc);
    pd = dnnl::matmul::primitive_desc(desc, attr, context.engine);
  } catch (const dnnl::error&) {
    return nullptr;
  }
  static const char* names[] = {"own", "transposed", "packed", "plain"};
  const bool on_strides = a_stored || b_stored || y_strided;
  auto kernel = std::make_unique<DnnlKernel>(
      context, "dnnl:" + impl_name(pd) + " (" + names[variant] + ")" + (scaled ? " + scale" : "") +
                   (on_strides ? " on strides" : "") + (own_silu ? " + silu" : ""));
  memory a_user(a_desc, context.engine, nullptr), y_user(y_desc, context.engine, nullptr);
  kernel->bind_input(a_at, a_user);
  kernel->bind_output(0, y_user);
  if (y_strided) kernel->set_output_desc(y_desc);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, a_user}, {DNNL_ARG_DST, y_user}};
  if (variant != plain_weights) {
    args[DNNL_ARG_WEIGHTS] =
        packed(context, constant_memory(context, b_user_desc, b_constant->bytes.data()),
               pd.weights_desc());
    kernel->mark_packed(b_at);
  } else {
    memory b_user(b_user_desc, context.engine, nullptr);
    kernel->bind_input(b_at, b_user);
    args[DNNL_ARG_WEIGHTS] = b_user;
  }
  if (bias) {
    memory bias_memory(bias_desc, context.engine);
    std::memcpy(bias_memory.get_data_handle(), bias_data.data(), bias_data.size() * sizeof(float));
    args[DNNL_ARG_BIAS] = bias_memory;
  }
  kernel->add(dnnl::matmul(pd), args);
  if (own_silu) kernel->add_silu(y_user);
  return kernel;
}

}  // namespace cosched::dnnl_ops
