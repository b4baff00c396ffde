#pragma once

#include "cos/graph/graph.h"

namespace cosched {

// Graph -> Graph passes. Each returns a linked, compacted graph; iteration is in node
// order, so the same input always gives the same output.

// Replaces every node whose inputs are all constant (and every Shape/Size of a statically
// shaped value) by its constant result. Results above `max_elements` are left unfolded.
Graph fold_constants(Graph graph, int64_t max_elements = int64_t{1} << 24);

// Removes Identity, a pool with a one-element window (kernel 1, stride 1, no pads), and
// Dropout whose mask output is unused (inference semantics).
Graph drop_identities(Graph graph);

// Folds a BatchNormalization into the Conv that feeds it (constant weights, the conv
// output used by nothing else): W' = W * s, b' = (b - mean) * s + beta, s = gamma / sqrt(var +
// eps).
Graph fold_batchnorm(Graph graph);

// Marks Reshape, Flatten, Squeeze and Unsqueeze as zero-cost views (data is contiguous), and
// a Slice whose result is one contiguous block of its input (one axis sliced with step 1,
// every dim before it 1: channels of a batch-1 NCHW tensor) as a view at that block's offset
// (a multiple of 16 bytes), and a Transpose that only moves dimensions of size 1.
Graph mark_views(Graph graph);

}  // namespace cosched
