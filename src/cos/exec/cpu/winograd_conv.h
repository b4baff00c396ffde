#pragma once

#include <memory>
#include <vector>

#include "cos/exec/cpu/own_conv.h"

namespace cosched {

// 3x3 convolution, stride 1, no dilation, as Winograd's F(m x m, 3x3) (Lavin and Gray, 2016):
// each (m+2)x(m+2) input tile and each filter are transformed, (m+2)^2 products of transformed
// tiles (tiles x C) by transformed filters (C x K) replace the direct sums, and each result
// becomes an m x m output tile: 2.25x (m = 2) or 4x (m = 4) fewer multiplications, for filters
// 16/9 or 4x the size. oneDNN 2.6 has Winograd on AVX-512 only; on AVX2 its direct jit:avx2
// kernels were resnet18's whole gap to ONNX Runtime.
class WinogradConv : public OwnConv {
 public:
  // Activations stored in channel blocks of `run` (8: nChw8c, or 16: nChw16c, AVX-512's).
  // nullptr unless the CPU has AVX2 and FMA, m is 2 or 4, run 8 or 16, the window is 3x3 with
  // stride and dilation 1, in_channels is a multiple of `run` and out_channels of 16, and for
  // m = 4 unless in x out channels exceed 128 x 256.
  // `weights`: out x in x 3 x 3; `bias`: out_channels values or empty.
  static std::unique_ptr<WinogradConv> make(int m, int run, const ConvShape& shape,
                                            const float* weights, std::vector<float> bias,
                                            bool relu);

 private:
  WinogradConv(int m, int run, const ConvShape& shape, std::vector<float> bias, bool relu);
  void gather(const Block& block, int64_t from, int64_t to) const override;
  void scatter(const Block& block, int64_t from, int64_t to) const override;
  int m_;                           // output tile side
  int run_;                         // channels stored together at a pixel
  int64_t tiles_wide_, per_image_;  // tiles in a row of tiles, in an image
};

}  // namespace cosched
