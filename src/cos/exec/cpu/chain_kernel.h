#pragma once

#include <memory>
#include <span>
#include <vector>

#include "cos/exec/kernel.h"

namespace cosched {

// A fused group that could not be compiled as one: its nodes' kernels run one after the
// other through intermediate buffers owned here.
class ChainKernel : public Kernel {
 public:
  ChainKernel(const Graph& graph, std::span<const Node* const> group,
              std::vector<std::unique_ptr<Kernel>> parts);
  void run(const KernelArgs& args) override;
  std::string implementation() const override;

 private:
  std::vector<std::unique_ptr<Kernel>> parts_;
  std::vector<size_t> input_counts_;                 // inputs of each node
  std::vector<std::vector<std::byte>> temporaries_;  // output of each node but the last
  // Per node: (input index, temporary) for each input produced inside the group.
  std::vector<std::vector<std::pair<size_t, size_t>>> internal_inputs_;
};

}  // namespace cosched
