#include "cos/graph/tensor.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace cosched {

Tensor make_tensor(DType dtype, Shape shape) {
  Tensor tensor{dtype, std::move(shape), {}};
  tensor.bytes.resize(static_cast<size_t>(tensor.size()) * dtype_size(dtype));
  return tensor;
}

float half_to_float(uint16_t half) {
  uint32_t sign = (half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1f;
  uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  if (exponent == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

uint16_t float_to_half(float value) {
  uint32_t bits = std::bit_cast<uint32_t>(value);
  uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  if (std::isnan(value)) return sign | 0x7e00u;
  float magnitude = std::fabs(value);
  if (magnitude >= 65520.0f) return sign | 0x7c00u;
  if (magnitude < 6.103515625e-05f) {  // subnormal half
    return sign | static_cast<uint16_t>(std::nearbyint(magnitude * 16777216.0f));
  }
  int exponent;
  float fraction = std::frexp(magnitude, &exponent);  // magnitude = fraction * 2^exponent
  uint32_t mantissa = static_cast<uint32_t>(std::nearbyint((fraction * 2 - 1) * 1024));
  uint32_t biased = static_cast<uint32_t>(exponent - 1 + 15);
  if (mantissa == 1024) {
    mantissa = 0;
    ++biased;
  }
  return sign | static_cast<uint16_t>((biased << 10) | mantissa);
}

std::vector<double> to_doubles(const Tensor& tensor) {
  size_t count = static_cast<size_t>(tensor.size());
  std::vector<double> values(count);
  for (size_t i = 0; i < count; ++i) {
    switch (tensor.dtype) {
      case DType::f32:
        values[i] = tensor.data<float>()[i];
        break;
      case DType::f16:
        values[i] = half_to_float(tensor.data<uint16_t>()[i]);
        break;
      case DType::f64:
        values[i] = tensor.data<double>()[i];
        break;
      case DType::i8:
        values[i] = tensor.data<int8_t>()[i];
        break;
      case DType::u8:
        values[i] = tensor.data<uint8_t>()[i];
        break;
      case DType::i32:
        values[i] = tensor.data<int32_t>()[i];
        break;
      case DType::i64:
        values[i] = static_cast<double>(tensor.data<int64_t>()[i]);
        break;
      case DType::boolean:
        values[i] = tensor.data<uint8_t>()[i] ? 1 : 0;
        break;
    }
  }
  return values;
}

namespace {
// Float-to-integer conversion that saturates instead of invoking undefined behaviour.
template <typename T>
T saturate(double value) {
  if (std::isnan(value)) return 0;
  double low = static_cast<double>(std::numeric_limits<T>::min());
  double high = static_cast<double>(std::numeric_limits<T>::max());
  if (value <= low) return std::numeric_limits<T>::min();
  if (value >= high) return std::numeric_limits<T>::max();
  return static_cast<T>(value);
}
}  // namespace

Tensor from_doubles(DType dtype, Shape shape, const std::vector<double>& values) {
  Tensor tensor = make_tensor(dtype, std::move(shape));
  size_t count = std::min(values.size(), static_cast<size_t>(tensor.size()));
  for (size_t i = 0; i < count; ++i) {
    double v = values[i];
    switch (dtype) {
      case DType::f32:
        tensor.data<float>()[i] = static_cast<float>(v);
        break;
      case DType::f16:
        tensor.data<uint16_t>()[i] = float_to_half(static_cast<float>(v));
        break;
      case DType::f64:
        tensor.data<double>()[i] = v;
        break;
      case DType::i8:
        tensor.data<int8_t>()[i] = saturate<int8_t>(v);
        break;
      case DType::u8:
        tensor.data<uint8_t>()[i] = saturate<uint8_t>(v);
        break;
      case DType::i32:
        tensor.data<int32_t>()[i] = saturate<int32_t>(v);
        break;
      case DType::i64:
        tensor.data<int64_t>()[i] = saturate<int64_t>(v);
        break;
      case DType::boolean:
        tensor.data<uint8_t>()[i] = v != 0;
        break;
    }
  }
  return tensor;
}

std::vector<int64_t> to_ints(const Tensor& tensor) {
  if (tensor.dtype == DType::i64) {
    return {tensor.data<int64_t>(), tensor.data<int64_t>() + tensor.size()};
  }
  std::vector<double> values = to_doubles(tensor);
  std::vector<int64_t> ints(values.size());
  for (size_t i = 0; i < values.size(); ++i) ints[i] = saturate<int64_t>(values[i]);
  return ints;
}

Tensor from_ints(const std::vector<int64_t>& values, Shape shape) {
  Tensor tensor = make_tensor(DType::i64, std::move(shape));
  std::memcpy(tensor.bytes.data(), values.data(),
              std::min(tensor.bytes.size(), values.size() * sizeof(int64_t)));
  return tensor;
}

Tensor from_floats(const std::vector<float>& values, Shape shape) {
  Tensor tensor = make_tensor(DType::f32, std::move(shape));
  std::memcpy(tensor.bytes.data(), values.data(),
              std::min(tensor.bytes.size(), values.size() * sizeof(float)));
  return tensor;
}

}  // namespace cosched
