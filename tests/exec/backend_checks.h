#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "cos/exec/graph_executor.h"
#include "cos/exec/kernel.h"

namespace cosched::test {

// Seeded random values in [-1, 1) for `value`.
Tensor random_input(const Value& value, uint64_t seed);

// Runs every built-in model on `backend` and on the reference with the same random inputs
// and expects every output within `tolerance` x its largest reference value, all finite.
// Returns the number of fused steps (a step of several nodes) `backend` compiled.
int check_builtin_models(Backend& backend, double tolerance);

// Nodes in groups of three, in order, each group ending before the next starts; a group on
// `device` where `on_device(group)` says so and the device supports its every node, else
// on `host`.
MixedPlacement grouped_placement(const Graph& graph, Backend& host, Backend& device,
                                 const std::function<bool(int)>& on_device);

// Every built-in model placed by grouped_placement on `host` and `device` (a fallback:
// the reference) against the reference: each output within `tolerance` x its largest value.
void check_mixed_builtin_models(Backend& host, Backend& device,
                                const std::function<bool(int)>& on_device, double tolerance);

// The largest difference of `actual` from `expected` relative to each output's largest
// expected value (infinite where `actual` is not finite).
double worst_relative(const std::vector<Tensor>& expected, const std::vector<Tensor>& actual);

}  // namespace cosched::test
