#include "cos/graph/dtype.h"

#include <fmt/format.h>

#include "cos/common/error.h"

namespace cosched {
namespace {
// Mirrors onnx::TensorProto_DataType without pulling protobuf headers into the IR.
enum OnnxType {
  kFloat = 1,
  kUint8 = 2,
  kInt8 = 3,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kDouble = 11,
  kUint32 = 12,
  kUint64 = 13,
  kComplex64 = 14,
  kComplex128 = 15,
  kBfloat16 = 16
};
}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return 4;
    case DType::f16:
      return 2;
    case DType::f64:
      return 8;
    case DType::i8:
      return 1;
    case DType::u8:
      return 1;
    case DType::i32:
      return 4;
    case DType::i64:
      return 8;
    case DType::boolean:
      return 1;
  }
  return 0;
}

std::string dtype_name(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "float32";
    case DType::f16:
      return "float16";
    case DType::f64:
      return "float64";
    case DType::i8:
      return "int8";
    case DType::u8:
      return "uint8";
    case DType::i32:
      return "int32";
    case DType::i64:
      return "int64";
    case DType::boolean:
      return "bool";
  }
  return "?";
}

bool is_floating(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f16 || dtype == DType::f64;
}

std::optional<DType> dtype_from_onnx(int onnx_type) {
  switch (onnx_type) {
    case kFloat:
      return DType::f32;
    case kFloat16:
      return DType::f16;
    case kDouble:
      return DType::f64;
    case kInt8:
      return DType::i8;
    case kUint8:
      return DType::u8;
    case kInt32:
      return DType::i32;
    case kInt64:
      return DType::i64;
    case kBool:
      return DType::boolean;
    default:
      return std::nullopt;
  }
}

int dtype_to_onnx(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return kFloat;
    case DType::f16:
      return kFloat16;
    case DType::f64:
      return kDouble;
    case DType::i8:
      return kInt8;
    case DType::u8:
      return kUint8;
    case DType::i32:
      return kInt32;
    case DType::i64:
      return kInt64;
    case DType::boolean:
      return kBool;
  }
  return 0;
}

std::string onnx_dtype_name(int onnx_type) {
  if (auto dtype = dtype_from_onnx(onnx_type)) return dtype_name(*dtype);
  switch (onnx_type) {
    case kString:
      return "string";
    case kUint32:
      return "uint32";
    case kUint64:
      return "uint64";
    case kComplex64:
      return "complex64";
    case kComplex128:
      return "complex128";
    case kBfloat16:
      return "bfloat16";
    default:
      return fmt::format("type {}", onnx_type);
  }
}

int64_t element_count(const Shape& shape) {
  constexpr int64_t kLimit = int64_t{1} << 48;
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0) fail("negative dimension in shape {}", shape_string(shape));
    if (dim != 0 && count > kLimit / dim) fail("shape {} is too large", shape_string(shape));
    count *= dim;
  }
  return count;
}

int64_t dims_product(const Shape& shape, size_t from, size_t to) {
  int64_t result = 1;
  for (size_t i = from; i < to && i < shape.size(); ++i) result *= shape[i];
  return result;
}

std::string shape_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string text;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += 'x';
    text += shape[i] >= 0 ? std::to_string(shape[i]) : "?";
  }
  return text;
}

}  // namespace cosched
