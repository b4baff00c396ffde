#pragma once

#include <optional>
#include <span>
#include <vector>

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

// LayerNorm over the last axis as exporters before opset 17 write it: ReduceMean -> Sub ->
// Pow(2) -> ReduceMean -> Add(epsilon) -> Sqrt -> Div, then optionally Mul(scale) and
// Add(bias) by constants of the last dim's size. `nodes` in that order, head first.
struct LayerNormPattern {
  std::vector<const Node*> nodes;
  float epsilon = 0;
  int scale = -1, bias = -1;  // value indices of the constants, -1 where absent
};
std::optional<LayerNormPattern> layer_norm_from(const Graph& graph, const Node& head);
// Whether `next` continues the LayerNorm pattern that `group` (its first nodes) starts.
bool layer_norm_continues(const Graph& graph, std::span<const Node* const> group, const Node& next);

// Whether `next` is the Mul of SiLU/swish: x * sigmoid(x), `sigmoid` being Sigmoid(x).
bool is_swish_mul(const Node& sigmoid, const Node& next);

}  // namespace cosched
