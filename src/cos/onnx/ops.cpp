#include "cos/onnx/ops.h"

#include <set>

namespace cosched {

bool is_executable_op(const std::string& op) {
  static const std::set<std::string> ops = {"Conv",
                                            "Gemm",
                                            "MatMul",
                                            "MaxPool",
                                            "AveragePool",
                                            "GlobalAveragePool",
                                            "GlobalMaxPool",
                                            "Relu",
                                            "LeakyRelu",
                                            "Clip",
                                            "Sigmoid",
                                            "HardSigmoid",
                                            "HardSwish",
                                            "Tanh",
                                            "Erf",
                                            "Sqrt",
                                            "Pow",
                                            "Exp",
                                            "Add",
                                            "Sub",
                                            "Mul",
                                            "Div",
                                            "Concat",
                                            "Softmax",
                                            "ReduceMean",
                                            "Transpose",
                                            "Slice",
                                            "Split",
                                            "Gather",
                                            "Pad",
                                            "Reshape",
                                            "Flatten",
                                            "Squeeze",
                                            "Unsqueeze",
                                            "Identity",
                                            "Dropout",
                                            "BatchNormalization",
                                            "LayerNormalization"};
  return ops.count(op) > 0;
}

bool is_fold_only_op(const std::string& op) {
  static const std::set<std::string> ops = {"Shape", "Size",    "Cast",  "ConstantOfShape",
                                            "Range", "Expand",  "Where", "Equal",
                                            "Less",  "Greater", "Not",   "Neg",
                                            "Abs",   "Floor",   "Ceil",  "Min",
                                            "Max",   "Mod"};
  return ops.count(op) > 0;
}

}  // namespace cosched
