#pragma once

#include <span>
#include <string>

#include "cos/graph/graph.h"

namespace cosched {

// What makes two kernels cost the same: the op types of a step (a node and the nodes fused
// into it), the dtypes and shapes of its inputs and outputs, its attributes, and which inputs
// are constants (with the content of small constants such as Clip bounds or Slice starts,
// which change what runs; float constants of more than one element count by shape). Equal ops in
// different models share a signature, so a profile measures them under one key.
struct OpSignature {
  std::string key;     // 16 hex digits of `text`
  std::string op;      // "Conv+Relu"
  std::string shapes;  // "1x64x56x56 -> 1x64x56x56" (first input, last output)
  std::string text;    // the canonical description the key hashes
};

// `nodes`: node indices of one step, head first, as GraphExecutor groups them.
OpSignature op_signature(const Graph& graph, std::span<const int> nodes);

// FNV-1a of `text`, as 16 hex digits.
std::string hash_text(const std::string& text);

}  // namespace cosched
