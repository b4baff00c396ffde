#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace cosched {

// A 2-D convolution without groups as our own kernels see it.
struct ConvShape {
  int64_t batch, in_channels, out_channels, in_height, in_width, out_height, out_width;
  int64_t kernel_height, kernel_width, stride_height, stride_width, dilation_height, dilation_width,
      pad_top, pad_left;
};

// Our own convolutions as products of matrices on the AVX2 GEMM tile (gemm_tile.h): the
// output's rows (pixels or tiles of pixels) are cut into blocks; for each block a subclass
// gathers `points` matrices A (rows x depth) from the input, each is multiplied by its packed
// filter matrix (depth x out_channels), and the subclass scatters the products to the output,
// adding bias and residual, then Relu.
class OwnConv {
 public:
  virtual ~OwnConv() = default;
  // Input, residual (may be nullptr) and output in the kernel's channel blocks, on the calling
  // OpenMP team.
  void run(const float* in, const float* skip, float* out) const;

  struct Block {
    const float* in;
    const float* skip;
    float* out;
    int64_t first, rows;  // the block's rows: [first, first + rows)
    float* a;             // [point][rows][depth]
    float* products;      // [point][rows][out_channels]
  };

 protected:
  OwnConv(const ConvShape& shape, int64_t rows, int64_t points, int64_t depth,
          std::vector<float> bias, bool relu);
  // Point `point`'s filter value at (d, out channel), to be written once when made.
  float& filter(int64_t point, int64_t d, int64_t out_channel);
  // A's columns from input channel blocks [from, to) of the block's rows.
  virtual void gather(const Block& block, int64_t from, int64_t to) const = 0;
  // The output of channel blocks [from, to) for the block's rows.
  virtual void scatter(const Block& block, int64_t from, int64_t to) const = 0;

  ConvShape shape_;
  int64_t rows_, points_, depth_;
  std::vector<float> bias_;  // out_channels values or empty
  bool relu_;

 private:
  // The products of points [from, to) by filter panels [panel_from, panel_to).
  void multiply(const Block& block, int64_t from, int64_t to, int64_t panel_from,
                int64_t panel_to) const;
  std::unique_ptr<float[], void (*)(void*)> filters_;
};

}  // namespace cosched
