#include "cos/exec/chain_kernel.h"

namespace cosched {

ChainKernel::ChainKernel(Backend& backend, const Graph& graph, std::span<const Node* const> group,
                         std::vector<std::unique_ptr<Kernel>> parts)
    : backend_(backend), parts_(std::move(parts)) {
  std::vector<int> produced;  // the output of each node but the last, by temporary
  for (const Node* node : group) {
    input_counts_.push_back(node->inputs.size());
    std::vector<std::pair<size_t, size_t>> internal;
    for (size_t i = 0; i < node->inputs.size(); ++i)
      for (size_t t = 0; t < produced.size(); ++t)
        if (node->inputs[i] == produced[t]) internal.push_back({i, t});
    internal_inputs_.push_back(std::move(internal));
    if (node != group.back()) {
      produced.push_back(node->outputs[0]);
      temporaries_.push_back(
          backend_.allocate(static_cast<size_t>(graph.values[node->outputs[0]].bytes())));
    }
  }
}

ChainKernel::~ChainKernel() {
  for (void* t : temporaries_) backend_.deallocate(t);
}

// The constants each part copied, as indices into the group's inputs.
std::vector<size_t> ChainKernel::packed_inputs() const {
  std::vector<size_t> packed;
  size_t at = 0;
  for (size_t k = 0; k < parts_.size(); ++k) {
    for (size_t i : parts_[k]->packed_inputs()) packed.push_back(at + i);
    at += input_counts_[k];
  }
  return packed;
}

void ChainKernel::run(const KernelArgs& args) {
  size_t at = 0;
  for (size_t k = 0; k < parts_.size(); ++k) {
    KernelArgs part;
    part.inputs.assign(args.inputs.begin() + at, args.inputs.begin() + at + input_counts_[k]);
    at += input_counts_[k];
    for (auto [input, temporary] : internal_inputs_[k])
      part.inputs[input] = temporaries_[temporary];
    if (k + 1 < parts_.size())
      part.outputs = {temporaries_[k]};
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
