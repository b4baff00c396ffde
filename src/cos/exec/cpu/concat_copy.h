#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "cos/exec/cpu/dnnl_kernel.h"

namespace cosched {

// Concat as copies of contiguous runs: in a plain layout (plain or channels-last), or in
// channel blocks where every input has whole blocks, each input holds one run of bytes per
// index of the dims laid out outside the concat axis, and the output interleaves them; inputs
// stored otherwise are reordered to it first. Without the blocks, a concat of convolutions'
// blocked outputs would reorder them all to plain, and the max pool after it (squeezenet)
// ran oneDNN's plain-layout code on AVX2: 5.4 ms against ORT's 0.06. oneDNN 2.6's concat takes 1.7x
// as long on channels-last (2 x 1x64x55x55 on one core: 0.084 against 0.050 ms) and runs its
// reference code on mixed layouts. A DnnlKernel for the layout bookkeeping: output_desc() says what
// it wrote.
class ConcatCopy : public DnnlKernel {
 public:
  // nullptr unless `dst` is such a layout for these inputs.
  static std::unique_ptr<ConcatCopy> make(const DnnlContext& context,
                                          const std::vector<dnnl::memory::desc>& inputs,
                                          const dnnl::memory::desc& dst, int axis);
  void run(const KernelArgs& args) override;
  // Where each input starts in `dst` (bytes) when the copy would be one run per input, each
  // already in its place's layout: then the inputs' producers can write them there instead.
  static std::optional<std::vector<int64_t>> in_place_offsets(
      const std::vector<dnnl::memory::desc>& inputs, const dnnl::memory::desc& dst, int axis);

 private:
  ConcatCopy(const DnnlContext& context, int64_t outer, std::vector<int64_t> run_bytes);
  int64_t outer_;                   // runs per input
  std::vector<int64_t> run_bytes_;  // per input
  int64_t out_run_bytes_ = 0;
  std::vector<dnnl::memory> reordered_;  // per input: its copy in dst's layout, or none
};

}  // namespace cosched
