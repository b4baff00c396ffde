#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace cosched {

// 2-D 3x3 convolution, stride 1, no dilation or groups, as Winograd's F(2x2, 3x3) (Lavin and
// Gray, 2016): each 4x4 input tile and each filter are transformed, 16 products of transformed
// tiles (tiles x C) by transformed filters (C x K) replace the direct sums, and each 4x4 result
// becomes a 2x2 output tile: 2.25x fewer multiplications. oneDNN 2.6 has Winograd on AVX-512
// only; on AVX2 its direct jit:avx2 kernels were resnet18's whole gap to ONNX Runtime.
// Activations in 8-channel blocks (nChw8c) in and out; an optional residual in that layout is
// added before an optional Relu. Weights are transformed and packed once.
class WinogradConv {
 public:
  struct Shape {
    int64_t batch, in_channels, out_channels, in_height, in_width, out_height, out_width;
    int64_t pad_top, pad_left;
  };
  // nullptr unless the CPU has AVX2 and FMA, in_channels is a multiple of 8 and out_channels
  // of 16. `weights`: out x in x 3 x 3; `bias`: out_channels values or empty.
  static std::unique_ptr<WinogradConv> make(const Shape& shape, const float* weights,
                                            std::vector<float> bias, bool relu);
  // Runs on the calling OpenMP team; `skip` (the residual) may be nullptr.
  void run(const float* in, const float* skip, float* out) const;

 private:
  WinogradConv(const Shape& shape, std::vector<float> bias, bool relu);

  Shape shape_;
  int64_t tiles_high_, tiles_wide_;
  std::vector<float> bias_;
  bool relu_;
  // The 16 transformed filters, each in C x K, packed as gemm_tile panels one after another.
  std::unique_ptr<float[], void (*)(void*)> filters_;
};

}  // namespace cosched
