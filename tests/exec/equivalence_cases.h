#pragma once

#include <functional>
#include <vector>

#include "exec/op_case.h"

namespace cosched::test {

// One seeded case of the equivalence suite that every backend runs against the reference.
struct Case {
  const char* name;
  std::function<OpCase()> make;
};

// Every op the backends claim: shapes, strides, groups, broadcasts.
std::vector<Case> equivalence_cases();

}  // namespace cosched::test
