#pragma once

#include <cstdint>

#include "cos/exec/kernel.h"

namespace cosched::test {

// Seeded random values in [-1, 1) for `value`.
Tensor random_input(const Value& value, uint64_t seed);

// Runs every built-in model on `backend` and on the reference with the same random inputs
// and expects every output within `tolerance` x its largest reference value, all finite.
// Returns the number of fused steps (a step of several nodes) `backend` compiled.
int check_builtin_models(Backend& backend, double tolerance);

}  // namespace cosched::test
