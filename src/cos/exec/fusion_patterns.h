#pragma once

#include <span>

#include "cos/graph/graph.h"

namespace cosched {

// Patterns of several nodes that backends compute as one activation.

// GELU as exporters write it: Div(x, sqrt 2) -> Erf -> Add(1) -> Mul(x) -> Mul(0.5), which
// oneDNN computes in one eltwise (gelu_erf) instead of five passes (one of them Erf, which
// oneDNN has no primitive for).

// Whether `next` continues the pattern that `group` (its first nodes) starts.
bool gelu_continues(const Graph& graph, std::span<const Node* const> group, const Node& next);
// Whether `group` is the whole pattern.
bool is_gelu(const Graph& graph, std::span<const Node* const> group);

// Whether `next` is the Mul of SiLU/swish: x * sigmoid(x), `sigmoid` being Sigmoid(x).
bool is_swish_mul(const Node& sigmoid, const Node& next);

}  // namespace cosched
