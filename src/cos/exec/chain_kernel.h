#pragma once

#include <memory>
#include <span>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched {

// A fused group that could not be compiled as one: its nodes' kernels run one after the
// other through intermediate buffers owned here, in `backend`'s memory (which must outlive it).
class ChainKernel : public Kernel {
 public:
  ChainKernel(Backend& backend, const Graph& graph, std::span<const Node* const> group,
              std::vector<std::unique_ptr<Kernel>> parts);
  ~ChainKernel() override;
  ChainKernel(const ChainKernel&) = delete;
  ChainKernel& operator=(const ChainKernel&) = delete;
  void run(const KernelArgs& args) override;
  std::string implementation() const override;
  std::vector<size_t> packed_inputs() const override;

 private:
  Backend& backend_;
  std::vector<std::unique_ptr<Kernel>> parts_;
  std::vector<size_t> input_counts_;  // inputs of each node
  std::vector<void*> temporaries_;    // output of each node but the last
  // Per node: (input index, temporary) for each input produced inside the group.
  std::vector<std::vector<std::pair<size_t, size_t>>> internal_inputs_;
};

}  // namespace cosched
