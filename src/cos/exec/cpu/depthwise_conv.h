#pragma once

#include <cstdint>
#include <span>

namespace cosched {

// A depthwise 2-D convolution (one filter per channel, channels a multiple of 16) over
// activations stored in oneDNN's nChw16c layout or channels last (nhwc): either way the 16
// channels of a block at one pixel are one AVX-512 register. The bias is the accumulators'
// start and the activations run over each output row while it is in L1. oneDNN 2.6's depthwise
// kernels (jit_dw, brdgmm_dw) run 2-4x slower than this on the depthwise convs of efficientnet and
// mobilenet here.
struct DepthwiseGeometry {
  int64_t batch = 1, channel_blocks = 0;
  int64_t in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1, pad_top = 0, pad_left = 0;
  bool channels_last = false;  // src and dst in nhwc, else nChw16c
};

// An activation step applied after the bias, in order.
struct DepthwiseActivation {
  enum Kind { relu, clip, linear, swish, logistic, hardswish } kind;
  float alpha = 0, beta = 0;  // relu: slope below 0; clip: lo, hi; linear: a x + b
};

// Whether this CPU runs the kernel (AVX-512F).
bool depthwise_available();

// `weights` are packed [channel_blocks][kernel_h][kernel_w][16]; `bias` has channel_blocks x 16
// values or is null. Runs on the calling thread's OpenMP team.
void depthwise_conv(const float* src, const float* weights, const float* bias, float* dst,
                    const DepthwiseGeometry& g, std::span<const DepthwiseActivation> activations);

}  // namespace cosched
