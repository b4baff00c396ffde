// Gemm and MatMul on oneDNN's matmul, with a fused constant bias Add and activations.
#include <algorithm>
#include <cstring>

#include "cos/exec/cpu/dnnl_ops.h"
#include "cos/exec/cpu/packed_gemm.h"

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

}  // namespace

int matmul_variants(std::span<const Node* const> group) {
  return ends_in_swish(group) ? 2 * Variant::count : Variant::count;
}

std::unique_ptr<DnnlKernel> matmul(const DnnlContext& context, const Graph& graph,
                                   std::span<const Node* const> group, int variant) {
  const bool first_half = variant < Variant::count;  // a swish group's: with silu_in_place
  variant %= Variant::count;
  const Node& node = *group[0];
  const bool is_gemm = node.op == "Gemm";
  Shape a = graph.values[node.inputs[0]].shape;
  const Shape& b = graph.values[node.inputs[1]].shape;
  Shape y = graph.values[node.outputs[0]].shape;
  if (a.size() < 2 || b.size() < 2) return nullptr;  // numpy's vector cases: the reference
  // Weights shared by every batch: one matrix product with the batch dims folded into the
  // rows (a [197, 1, 768] input is one 197-row product, not 197 one-row products).
  const bool shared_weights = std::all_of(b.begin(), b.end() - 2, [](int64_t d) { return d == 1; });
  if (!is_gemm && a.size() > 2 && shared_weights) {
    a = {element_count(a) / a.back(), a.back()};
    y = {element_count(y) / y.back(), y.back()};
  }
  const size_t rank = y.size();
  const Tensor* b_constant = graph.constant_input(node, 1);
  if (variant != plain_weights && !b_constant) return nullptr;
  const bool trans_a = is_gemm && node.attr_int("transA", 0) != 0;
  const bool trans_b = is_gemm && node.attr_int("transB", 0) != 0;
  const float alpha = is_gemm ? static_cast<float>(node.attr_float("alpha", 1.0)) : 1.0f;
  const float beta = is_gemm ? static_cast<float>(node.attr_float("beta", 1.0)) : 1.0f;

  memory::dims a_dims = padded_to(a, rank),
               b_dims = padded_to(Shape(b.end() - std::min(b.size(), rank), b.end()), rank);
  if (trans_a) std::swap(a_dims[rank - 2], a_dims[rank - 1]);
  if (trans_b) std::swap(b_dims[rank - 2], b_dims[rank - 1]);
  memory::desc a_desc = strided(a_dims, trans_a), b_user_desc = strided(b_dims, trans_b);
  memory::desc b_desc = variant == packed_weights
                            ? memory::desc(b_dims, memory::data_type::f32, memory::format_tag::any)
                        : variant == transposed_weights ? strided(b_dims, !trans_b)
                                                        : b_user_desc;

  // The bias: Gemm's C, or the constant operand of a fused Add; scaled by beta, owned here.
  const Tensor* bias = nullptr;
  size_t first_activation = 1;
  if (is_gemm && node.inputs.size() > 2 && node.inputs[2] >= 0)
    bias = graph.constant_input(node, 2);
  if (group.size() > 1 && group[1]->op == "Add") {
    const Node& add = *group[1];
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
  const auto activations = group.subspan(first_activation);
  if (variant == own_packed) {
    const bool relu = activations.size() == 1 && activations[0]->op == "Relu";
    const bool bias_per_column =
        !bias || (element_count(bias->shape) == y.back() && bias->shape.back() == y.back());
    if (!b_constant || b_constant->dtype != DType::f32 || trans_a || alpha != 1.0f || rank != 2 ||
        b.size() != 2 || !bias_per_column || !first_half || (!activations.empty() && !relu))
      return nullptr;
    return PackedGemm::make(context, y[0], a[1], y[1], b_constant->data<float>(), trans_b,
                            std::move(bias_data), relu);
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
    dnnl::matmul::desc desc(a_desc, b_desc, bias_desc, plain_desc(y));
    pd = dnnl::matmul::primitive_desc(desc, attr, context.engine);
  } catch (const dnnl::error&) {
    return nullptr;
  }
  static const char* names[] = {"own", "transposed", "packed", "plain"};
  auto kernel = std::make_unique<DnnlKernel>(
      context, "dnnl:" + impl_name(pd) + " (" + names[variant] + ")" + (own_silu ? " + silu" : ""));
  memory a_user(a_desc, context.engine, nullptr), y_user(plain_desc(y), context.engine, nullptr);
  kernel->bind_input(0, a_user);
  kernel->bind_output(0, y_user);
  std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, a_user}, {DNNL_ARG_DST, y_user}};
  if (variant != plain_weights) {
    args[DNNL_ARG_WEIGHTS] =
        packed(context, constant_memory(context, b_user_desc, b_constant->bytes.data()),
               pd.weights_desc());
    kernel->mark_packed(1);
  } else {
    memory b_user(b_user_desc, context.engine, nullptr);
    kernel->bind_input(1, b_user);
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
