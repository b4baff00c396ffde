#pragma once

#include <memory>
#include <string>

#include "cos/exec/kernel.h"

namespace cosched {

// Runs a kernel of a multi-core processor on the calling thread alone: small memory-bound
// ops (reorders, copies, depthwise convs of a few µs) lose more to waking a second thread
// than they gain from it. oneDNN sizes most of its thread teams when a primitive runs.
class OneThread : public Kernel {
 public:
  OneThread(std::unique_ptr<Kernel> kernel, int threads)
      : kernel_(std::move(kernel)), threads_(threads) {}
  void run(const KernelArgs& args) override;
  std::string implementation() const override { return kernel_->implementation() + " (1 thread)"; }
  std::vector<size_t> packed_inputs() const override { return kernel_->packed_inputs(); }
  Kernel& inner() { return *kernel_; }
  std::unique_ptr<Kernel> release() { return std::move(kernel_); }

 private:
  std::unique_ptr<Kernel> kernel_;
  int threads_;  // the processor's thread count, restored after each run
};

}  // namespace cosched
