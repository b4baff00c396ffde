#pragma once

#include <string>
#include <vector>

#include "cos/onnx/builder.h"

namespace cosched {

// Small models built in C++ with fixed seeds: the demo's models and the tests' fixtures.
struct BuiltinModel {
  std::string name;
  std::string description;
  ModelBuilder (*build)();
};

const std::vector<BuiltinModel>& builtin_models();
// Throws cosched::Error listing the known names if `name` is not one of them.
const BuiltinModel& builtin_model(const std::string& name);

}  // namespace cosched
