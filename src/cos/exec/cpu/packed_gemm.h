#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "cos/exec/cpu/dnnl_kernel.h"

namespace cosched {

// C = A B (+ bias per column) (then Relu or GELU) for row-major f32 A (M x K) and constant B (K x
// N), with B packed once into panels of 16 columns and A into tiles of 6 rows on each run, which an
// AVX2/FMA kernel of 6 rows x 16 columns reads in order. oneDNN 2.6's sgemm packs B on every call;
// ONNX Runtime's MLAS packs it once, and its products ran 10% faster in vit_b_16 on an AVX2 Zen 3
// (fc1, 197x768 by 768x3072: 10.2 against 11.4 ms on one core). The threads split the panels.
class PackedGemm : public DnnlKernel {
 public:
  enum class Activation { none, relu, gelu };
  // nullptr where the CPU lacks AVX2 or FMA, or k is 0 (nothing would write C). `b` is
  // K x N, or N x K when `b_transposed`; `bias` is empty or N values.
  static std::unique_ptr<PackedGemm> make(const DnnlContext& context, int64_t m, int64_t k,
                                          int64_t n, const float* b, bool b_transposed,
                                          std::vector<float> bias, Activation activation);
  void run(const KernelArgs& args) override;

 private:
  PackedGemm(const DnnlContext& context, int64_t m, int64_t k, int64_t n, std::vector<float> bias,
             Activation activation);
  // The two orders of the loops (packed_gemm.cpp says which suits which product), over the
  // panels [first, last) and every row.
  void run_slices_outermost(const float* packed_a, float* c, int64_t first, int64_t last) const;
  void run_blocks_outermost(const float* packed_a, float* c, int64_t first, int64_t last) const;
  // C's rows [r, r + rows) in panel p's columns, from B's slice at depth_at; then the
  // activation, after the deepest slice.
  void product_tile(const float* packed_a, int64_t r, int64_t rows, int64_t p, int64_t depth_at,
                    float* c) const;
  const float* panel_slice(int64_t depth_at, int64_t p) const;
  int64_t m_, k_, n_;
  int64_t slice_depth_ = 0;
  std::vector<float> bias_;
  Activation activation_;
  // B: [k / slice][n / 16][slice][16] (the last slice shallower), 64-byte aligned
  std::unique_ptr<float[], void (*)(void*)> panels_;
};

}  // namespace cosched
