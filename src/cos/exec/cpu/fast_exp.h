#pragma once

#include <cstdint>
#include <cstring>

// The 64-byte vectors pass through no call (always inlined); GCC warns of their ABI anyway.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace cosched::fast_exp {

// 16 floats: one AVX-512 register, two AVX2 ones; GCC lowers the vector type per target.
using Floats = float __attribute__((vector_size(64)));
// 8 floats: one AVX2 register (GCC 12 compiles a select of 16 floats, a ? b : c, one lane
// at a time for AVX2).
using Floats8 = float __attribute__((vector_size(32)));
template <typename Vector>
struct IntsOf;  // the int32 vector as wide
template <>
struct IntsOf<Floats> {
  using type = int32_t __attribute__((vector_size(64)));
};
template <>
struct IntsOf<Floats8> {
  using type = int32_t __attribute__((vector_size(32)));
};

// exp(x) for x <= 0, 0 below about -87.3 (relative error 8e-8): with t = x log2(e) = k + f,
// k the nearest integer, 2^t = 2^k 2^f and 2^f (|f| <= 0.5) a degree-5 polynomial; 0 where
// 2^t is below the smallest normal float. For Floats or Floats8.
template <typename Vector>
__attribute__((always_inline)) inline Vector exp_nonpositive(Vector x) {
  using Ints = typename IntsOf<Vector>::type;
  const Vector t = x * 1.44269504088896341f;
  const Vector clamped = t < -126.0f ? -126.0f : t;
  const Vector k = (clamped + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23
  const Vector f = clamped - k;
  Vector p = 1.3276354e-3f * f + 9.6755074e-3f;
  p = p * f + 5.5507135e-2f;
  p = p * f + 2.4022120e-1f;
  p = p * f + 6.9314694e-1f;
  p = p * f + 1.0000001f;
  const Ints exponent = (__builtin_convertvector(k, Ints) + 127) << 23;  // 2^k as float bits
  Vector two_k;
  std::memcpy(&two_k, &exponent, sizeof two_k);
  return t < -126.0f ? 0.0f : p * two_k;
}

}  // namespace cosched::fast_exp
