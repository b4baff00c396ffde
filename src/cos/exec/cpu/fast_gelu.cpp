#include "cos/exec/cpu/fast_gelu.h"

#include <cmath>
#include <cstring>

#include "cos/exec/cpu/fast_exp.h"

namespace cosched {
namespace {

// Phi(x) from erfc(|x| / sqrt 2) = t P(t) exp(-x^2 / 2), t = 1 / (1 + p |x| / sqrt 2)
// (Abramowitz and Stegun 7.1.26, absolute error 1.5e-7): for x < 0 Phi is erfc / 2 itself,
// not 1 - erf, which would cancel (the error stays absolute: far left, where Phi is below
// 1e-7, the approximation is up to 1.4 times it).
template <typename Vector>
__attribute__((always_inline)) inline Vector gelu(Vector x) {
  const Vector z = (x < 0.0f ? -x : x) * 0.70710678118654752f;
  const Vector t = 1.0f / (1.0f + 0.3275911f * z);
  Vector p = 1.061405429f * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const Vector half_erfc = 0.5f * p * t * fast_exp::exp_nonpositive(-z * z);
  return x * (x < 0.0f ? half_erfc : 1.0f - half_erfc);
}

template <typename Vector>
__attribute__((always_inline)) inline void gelu_row(float* data, int64_t count) {
  constexpr int64_t lanes = sizeof(Vector) / sizeof(float);
  int64_t i = 0;
  for (; i + lanes <= count; i += lanes) {
    Vector x;
    std::memcpy(&x, data + i, sizeof x);
    x = gelu(x);
    std::memcpy(data + i, &x, sizeof x);
  }
  for (; i < count; ++i) data[i] = 0.5f * data[i] * (1.0f + std::erf(data[i] * 0.70710678f));
}

__attribute__((target("avx2,fma"))) void gelu_rows_avx2(float* data, int64_t rows, int64_t cols,
                                                        int64_t stride) {
  for (int64_t r = 0; r < rows; ++r) gelu_row<fast_exp::Floats8>(data + r * stride, cols);
}

void gelu_rows_plain(float* data, int64_t rows, int64_t cols, int64_t stride) {
  for (int64_t r = 0; r < rows; ++r) gelu_row<fast_exp::Floats8>(data + r * stride, cols);
}

}  // namespace

void gelu_rows(float* data, int64_t rows, int64_t cols, int64_t stride) {
  static const auto kernel = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                 ? gelu_rows_avx2
                                 : gelu_rows_plain;
  kernel(data, rows, cols, stride);
}

}  // namespace cosched
