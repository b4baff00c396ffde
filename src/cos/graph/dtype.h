#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace cosched {

// Element types cos handles; everything else is refused at import.
enum class DType : uint8_t { f32, f16, f64, i8, u8, i32, i64, boolean };

size_t dtype_size(DType dtype);
std::string dtype_name(DType dtype);
bool is_floating(DType dtype);

// ONNX TensorProto::DataType codes.
std::optional<DType> dtype_from_onnx(int onnx_type);
int dtype_to_onnx(DType dtype);
std::string onnx_dtype_name(int onnx_type);

using Shape = std::vector<int64_t>;

// Number of elements; throws cosched::Error on negative dims or overflow past 2^48.
int64_t element_count(const Shape& shape);
std::string shape_string(const Shape& shape);
// Product of dims [from, min(to, rank)): the size of a block of a shape (no checks).
int64_t dims_product(const Shape& shape, size_t from,
                     size_t to);  // "1x3x224x224", "scalar" for rank 0

}  // namespace cosched
