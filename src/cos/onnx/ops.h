#pragma once

#include <string>

namespace cosched {

// Ops the executors run (DESIGN.md stage 3). Placement asks backends per node; this is
// only the set import accepts.
bool is_executable_op(const std::string& op);
// Ops accepted only when they fold to constants (shape arithmetic).
bool is_fold_only_op(const std::string& op);
inline bool is_supported_op(const std::string& op) {
  return is_executable_op(op) || is_fold_only_op(op);
}

}  // namespace cosched
