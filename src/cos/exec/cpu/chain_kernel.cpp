#include "cos/exec/cpu/chain_kernel.h"

namespace cosched {

ChainKernel::ChainKernel(const Graph& graph, std::span<const Node* const> group,
                         std::vector<std::unique_ptr<Kernel>> parts)
    : parts_(std::move(parts)) {
  int previous = -1;
  for (const Node* node : group) {
    input_counts_.push_back(node->inputs.size());
    int chained = -1;
    for (size_t i = 0; i < node->inputs.size(); ++i)
      if (previous >= 0 && node->inputs[i] == previous) chained = static_cast<int>(i);
    chained_input_.push_back(chained);
    previous = node->outputs[0];
    if (node != group.back())
      temporaries_.emplace_back(static_cast<size_t>(graph.values[previous].bytes()));
  }
}

void ChainKernel::run(const KernelArgs& args) {
  size_t at = 0;
  for (size_t k = 0; k < parts_.size(); ++k) {
    KernelArgs part;
    part.inputs.assign(args.inputs.begin() + at, args.inputs.begin() + at + input_counts_[k]);
    at += input_counts_[k];
    if (chained_input_[k] >= 0) part.inputs[chained_input_[k]] = temporaries_[k - 1].data();
    if (k + 1 < parts_.size())
      part.outputs = {temporaries_[k].data()};
    else
      part.outputs = args.outputs;
    parts_[k]->run(part);
  }
}

std::string ChainKernel::implementation() const {
  std::string text = "chain(";
  for (size_t k = 0; k < parts_.size(); ++k) text += (k ? ", " : "") + parts_[k]->implementation();
  return text + ")";
}

}  // namespace cosched
