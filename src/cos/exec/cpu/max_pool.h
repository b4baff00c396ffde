#pragma once

#include <memory>

#include "cos/exec/cpu/dnnl_kernel.h"
#include "cos/exec/window.h"

namespace cosched {

// 2-D MaxPool where channels lie innermost in runs of 8 floats: channel blocks (nChw8c,
// nChw16c) or channels-last with a multiple of 8 channels; the output keeps the input's
// layout. oneDNN 2.6's jit pooling took 0.37 ms on one AVX2 core (Zen 3) for 1x128x55x55 ->
// 27x27 in 8-channel blocks, ONNX Runtime 0.06. A DnnlKernel for the layout bookkeeping.
class MaxPoolChannelsInner : public DnnlKernel {
 public:
  // nullptr unless `src` is such a layout of a 4-D input.
  static std::unique_ptr<MaxPoolChannelsInner> make(const DnnlContext& context,
                                                    const dnnl::memory::desc& src,
                                                    const Window& window);
  void run(const KernelArgs& args) override;

 private:
  MaxPoolChannelsInner(const DnnlContext& context, const Window& window, int64_t batch,
                       int64_t channels, int64_t block);
  // Offset of channel `c`'s first value for image n at pixel (0, 0) of an h x w plane.
  int64_t offset(int64_t n, int64_t c, int64_t h, int64_t w) const;
  Window window_;
  int64_t batch_, channels_;
  int64_t block_;  // channels stored together at a pixel: 8 or 16, or all (channels-last)
};

}  // namespace cosched
