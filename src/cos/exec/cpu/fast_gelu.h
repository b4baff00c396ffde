#pragma once

#include <cstdint>

namespace cosched {

// GELU, x * Phi(x) = x (1 + erf(x / sqrt 2)) / 2, in place over `rows` rows of `cols` values
// `stride` apart, on the calling thread; absolute error under 2e-7 * |x|. Run by PackedGemm on
// each block of its output while the block is in L1: vit_b_16 applies it to 7.3 M values a
// run, which as a pass of their own (oneDNN's gelu_erf) read and wrote 2.4 MB per layer.
void gelu_rows(float* data, int64_t rows, int64_t cols, int64_t stride);

}  // namespace cosched
