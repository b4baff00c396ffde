#pragma once

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "cos/exec/cpu/dnnl_kernel.h"

namespace cosched::dnnl_ops {

// One oneDNN eltwise step: alg(alpha, beta).
struct Eltwise {
  dnnl::algorithm alg;
  float alpha = 0, beta = 0;
};
// The eltwise steps that compute `node` (HardSigmoid takes two), or nullopt when oneDNN
// has none (Erf) or an operand it needs is not constant.
std::optional<std::vector<Eltwise>> eltwise_of(const Graph& graph, const Node& node);
// Whether `nodes` end in a Sigmoid and its swish Mul, which kernels compute with
// silu_in_place (fast_silu.h) after their primitive rather than as oneDNN's slower post-op.
bool ends_in_swish(std::span<const Node* const> nodes);
// Post-ops: a sum (adds what dst holds) when asked, then the activations of `nodes` (a Sigmoid then
// its swish Mul: one swish).
dnnl::post_ops eltwise_post_ops(const Graph& graph, std::span<const Node* const> nodes,
                                bool sum_first = false);

// How the layout-aware operands of a kernel are stored: the first input (and a Conv's
// fused residual) may be in a layout that the kernel producing them chose; with
// `free_output` the kernel may leave its output in the layout it prefers (every consumer
// takes it as it is) and says which in DnnlKernel::output_desc().
struct StoredLayouts {
  dnnl::memory::desc input, skip;
  // Concat and binary ops: every input of the node; products: every input of the group.
  std::vector<dnnl::memory::desc> inputs;
  bool free_output = false;
  dnnl::memory::desc output;  // products: the strided layout planned for it, if any
};

// Builders: each returns nullptr when oneDNN cannot build that variant. `variant` picks
// one of the layouts that compile-time timing compares (variants() of them); a group that
// ends in a swish has each twice, first with silu_in_place after the primitive, then with
// oneDNN's swish post-op (slower on efficientnet's convs in place, though alone, timed on hot
// caches, it can look as fast).
int conv_variants(std::span<const Node* const> group);
// Where a Conv group's fused residual (the Add's other operand) lies in its KernelArgs inputs:
// after the Conv's own inputs, then the Add's.
size_t residual_input(std::span<const Node* const> group);
std::unique_ptr<DnnlKernel> conv(const DnnlContext& context, const Graph& graph,
                                 std::span<const Node* const> group, int variant,
                                 const StoredLayouts& io);
// A product's group is a Gemm or MatMul, then a bias Add and activations; or a Div or Mul by
// a scalar (strided_views.h), then the MatMul it scales. Its operands A and B may be stored
// strided (io.inputs), and its output too (io.output).
bool is_scaled_product(const Graph& graph, std::span<const Node* const> group);
// Where the group's operands A and B lie in its KernelArgs inputs.
std::pair<size_t, size_t> product_operands(const Graph& graph, std::span<const Node* const> group);
int matmul_variants(std::span<const Node* const> group);
std::unique_ptr<DnnlKernel> matmul(const DnnlContext& context, const Graph& graph,
                                   std::span<const Node* const> group, int variant,
                                   const StoredLayouts& io);
// A MaxPool that may choose its output layout has two variants: our own in its input's layout
// where channels lie innermost in runs of 8 (max_pool.h), then oneDNN's; other pools one.
int pool_variants(const Node& node);
std::unique_ptr<DnnlKernel> pool(const DnnlContext& context, const Graph& graph, const Node& node,
                                 const StoredLayouts& io, int variant = 0);
std::unique_ptr<DnnlKernel> eltwise(const DnnlContext& context, const Graph& graph,
                                    const Node& node);
// The written-out LayerNorm (fusion_patterns.h) as one layer normalization; nullptr unless
// `group` is the whole pattern. Its scale and bias (ones and zeros where absent) are copied.
std::unique_ptr<DnnlKernel> layer_norm_pattern(const DnnlContext& context, const Graph& graph,
                                               std::span<const Node* const> group);
// The five nodes of the GELU pattern (fusion_patterns.h) as one eltwise gelu_erf.
std::unique_ptr<DnnlKernel> gelu(const DnnlContext& context, const Graph& graph,
                                 std::span<const Node* const> group);
// Add, Sub, Mul, Div with a broadcast second operand; the full-size operands may be stored
// in any layout (io.inputs, by input index; empty: all plain).
std::unique_ptr<DnnlKernel> binary(const DnnlContext& context, const Graph& graph, const Node& node,
                                   const StoredLayouts& io);
std::unique_ptr<DnnlKernel> concat(const DnnlContext& context, const Graph& graph, const Node& node,
                                   const StoredLayouts& io);
// The output layout and where each input starts in it (bytes) when the Concat's inputs, as
// `io` stores them, are whole runs of its output that their producers can write in place.
std::optional<std::pair<dnnl::memory::desc, std::vector<int64_t>>> concat_in_place(
    const Graph& graph, const Node& node, const StoredLayouts& io);
std::unique_ptr<DnnlKernel> softmax(const DnnlContext& context, const Graph& graph,
                                    const Node& node);
std::unique_ptr<DnnlKernel> reduce_mean(const DnnlContext& context, const Graph& graph,
                                        const Node& node);
std::unique_ptr<DnnlKernel> transpose(const DnnlContext& context, const Graph& graph,
                                      const Node& node);
std::unique_ptr<DnnlKernel> slice(const DnnlContext& context, const Graph& graph, const Node& node);
std::unique_ptr<DnnlKernel> layer_norm(const DnnlContext& context, const Graph& graph,
                                       const Node& node);
std::unique_ptr<DnnlKernel> batch_norm(const DnnlContext& context, const Graph& graph,
                                       const Node& node);

}  // namespace cosched::dnnl_ops
