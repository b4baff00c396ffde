#pragma once

#include <string>

#include "cos/graph/tensor.h"

namespace cosched {

// Tensor files: NumPy `.npy` (version 1-3, little-endian, C order) and ONNX `TensorProto`
// `.pb` (the ONNX test-data format), chosen by the file extension. Errors name the file.
Tensor read_tensor_file(const std::string& path);
// `name` is stored in a `.pb` file and ignored for `.npy`.
void write_tensor_file(const std::string& path, const Tensor& tensor, const std::string& name = "");

Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& tensor);

}  // namespace cosched
