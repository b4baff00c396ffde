#pragma once

#include <cstddef>
#include <vector>

#include "cos/graph/dtype.h"

namespace cosched {

// A constant tensor (initializer or folded value): dense, row-major, owned bytes.
struct Tensor {
  DType dtype = DType::f32;
  Shape shape;
  std::vector<std::byte> bytes;

  int64_t size() const { return element_count(shape); }
  template <typename T>
  const T* data() const {
    return reinterpret_cast<const T*>(bytes.data());
  }
  template <typename T>
  T* data() {
    return reinterpret_cast<T*>(bytes.data());
  }
};

// Zero-filled tensor of the given type and shape.
Tensor make_tensor(DType dtype, Shape shape);

// Element-wise conversion through double (exact for all int32 and for int64 below 2^53,
// which covers every shape and index computation).
std::vector<double> to_doubles(const Tensor& tensor);
Tensor from_doubles(DType dtype, Shape shape, const std::vector<double>& values);
std::vector<int64_t> to_ints(const Tensor& tensor);
Tensor from_ints(const std::vector<int64_t>& values, Shape shape);
Tensor from_floats(const std::vector<float>& values, Shape shape);

float half_to_float(uint16_t half);
uint16_t float_to_half(float value);

}  // namespace cosched
