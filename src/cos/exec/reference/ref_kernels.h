#pragma once

#include <memory>

#include "cos/exec/kernel.h"

namespace cosched::ref {

// Reference kernels, one factory per op family; each reads shapes and attributes from
// the graph at compile time. Float ops work on f32; data movement on any dtype.
std::unique_ptr<Kernel> conv(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> pool(const Graph& graph, const Node& node);  // Max/Average/Global
std::unique_ptr<Kernel> gemm(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> matmul(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> unary(const Graph& graph, const Node& node);   // Relu, Clip, Erf...
std::unique_ptr<Kernel> binary(const Graph& graph, const Node& node);  // Add..Div, Pow
std::unique_ptr<Kernel> softmax(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> reduce_mean(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> batch_norm(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> layer_norm(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> concat(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> transpose(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> slice(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> split(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> gather(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> pad(const Graph& graph, const Node& node);
std::unique_ptr<Kernel> copy(const Graph& graph, const Node& node);  // views, Identity, Dropout

}  // namespace cosched::ref
