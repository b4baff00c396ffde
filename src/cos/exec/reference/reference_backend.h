#pragma once

#include "cos/exec/kernel.h"

namespace cosched {

// Plain loops for every op of is_executable_op, written to be read: the oracle that the
// other backends are tested against. Single-threaded, no fusion.
class ReferenceBackend : public Backend {
 public:
  std::string name() const override { return "reference"; }
  bool supports(const Graph& graph, const Node& node) const override;
  std::unique_ptr<Kernel> compile(const Graph& graph, std::span<const Node* const> group) override;
};

}  // namespace cosched
