#pragma once

#include <memory>
#include <vector>

#include "cos/exec/cpu/dnnl_kernel.h"

namespace cosched {

// Feeds a kernel that reads plain inputs from inputs stored in other layouts: reorders
// each such input into a plain buffer owned here before running it.
class PlainInputs : public Kernel {
 public:
  struct Input {
    size_t index;               // into KernelArgs::inputs
    dnnl::memory::desc stored;  // its layout
    dnnl::memory::desc plain;
  };
  PlainInputs(const DnnlContext& context, std::unique_ptr<Kernel> kernel,
              std::vector<Input> inputs);
  void run(const KernelArgs& args) override;
  std::string implementation() const override;
  std::vector<size_t> packed_inputs() const override { return kernel_->packed_inputs(); }

 private:
  DnnlContext context_;
  std::unique_ptr<Kernel> kernel_;
  std::vector<size_t> indices_;
  std::vector<dnnl::memory> from_, to_;
  std::vector<dnnl::reorder> reorders_;
};

}  // namespace cosched
