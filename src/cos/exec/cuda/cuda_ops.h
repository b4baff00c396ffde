#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cos/exec/cuda/cuda_context.h"
#include "cos/exec/cuda/cuda_kernels.h"
#include "cos/exec/kernel.h"

// The builders of the cuda backend's kernels, one family per file.
namespace cosched::cuda_ops {

using Group = std::span<const Node* const>;

// --- elementwise (cuda_pointwise.cpp)
// `node` as one elementwise step on the running value `from`: a unary op, Clip, or an
// Add/Sub/Mul/Div/Pow whose other operand is a one-element constant.
std::optional<cuda::PointwiseOp> pointwise_of(const Graph& graph, const Node& node, int from);
// The steps of group[first..] applied to the running value `from` (GELU and swish
// patterns become one step each). Fills `epilogue.ops`.
void add_chain(const Graph& graph, Group group, size_t first, int from, cuda::Epilogue& epilogue);
// Whether `next` can join a chain that `group` ends (an elementwise step on its output).
bool continues_chain(const Graph& graph, Group group, const Node& next);
bool is_binary(const std::string& op);
// Whether `node` alone is one elementwise step on its non-constant input.
bool is_pointwise(const Graph& graph, const Node& node);
// What an Add after a Conv/Gemm/MatMul `head` is to it: a residual (same shape), a bias (a
// constant row, one value per output column; Gemm/MatMul without C), or neither. `other` is
// the Add's input index of that operand.
enum class AddRole { none, residual, bias };
AddRole add_role(const Graph& graph, const Node& head, const Node& add, size_t* other = nullptr);
std::unique_ptr<Kernel> pointwise(CudaContext& context, const Graph& graph, Group group);
std::unique_ptr<Kernel> binary(CudaContext& context, const Graph& graph, Group group);
std::unique_ptr<Kernel> batch_norm(CudaContext& context, const Graph& graph, Group group);

// --- cuDNN convolution and cuBLAS products (cuda_conv.cpp, cuda_matmul.cpp)
// Convolution with the fastest cuDNN algorithm for its signature, found once a process
// (cudnnFind...) and shared by every backend on the device: the runtime and `plan --tune`
// compile a fresh backend a run, and finding ran for seconds a model.
std::unique_ptr<Kernel> conv(CudaContext& context, const Graph& graph, Group group);
std::unique_ptr<Kernel> matmul(CudaContext& context, const Graph& graph, Group group);

// --- the rest (cuda_misc.cpp): pooling, reductions, normalization, data movement
std::unique_ptr<Kernel> pool(CudaContext& context, const Graph& graph, const Node& node);
std::unique_ptr<Kernel> reduce_mean(CudaContext& context, const Graph& graph, const Node& node);
std::unique_ptr<Kernel> softmax(CudaContext& context, const Graph& graph, const Node& node);
std::unique_ptr<Kernel> layer_norm(CudaContext& context, const Graph& graph, const Node& node);
// LayerNorm written out in nodes (fusion_patterns.h) as one kernel; nullptr unless `group`
// is the whole pattern.
std::unique_ptr<Kernel> layer_norm_pattern(CudaContext& context, const Graph& graph, Group group);
std::unique_ptr<Kernel> data_movement(CudaContext& context, const Graph& graph, const Node& node);
// Whether data_movement() builds `node` (Transpose, Slice, Split, Gather with constant
// indices, Concat, Pad, Expand).
bool is_data_movement(const Graph& graph, const Node& node);

}  // namespace cosched::cuda_ops
