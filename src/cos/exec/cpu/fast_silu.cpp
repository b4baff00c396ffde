#include "cos/exec/cpu/fast_silu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

// The 64-byte vectors pass through no call (always inlined); GCC warns of their ABI anyway.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace cosched {

namespace {

// 16 floats: one AVX-512 register, two AVX2 ones; GCC lowers the vector type per target.
using Floats = float __attribute__((vector_size(64)));
using Ints = int32_t __attribute__((vector_size(64)));

// With e = exp(-|x|) = 2^t, t = -|x| log2(e) <= 0: x / (1 + e) for x >= 0, x e / (1 + e)
// below (no overflow). 2^t = 2^k 2^f, k the nearest integer and 2^f (|f| <= 0.5) a degree-5
// polynomial (relative error 8e-8); e is 0 where 2^t is below the smallest normal float.
__attribute__((always_inline)) inline Floats silu16(Floats x) {
  const Floats t = (x < 0.0f ? x : -x) * 1.44269504088896341f;
  const Floats clamped = t < -126.0f ? -126.0f : t;
  const Floats k = (clamped + 12582912.0f) - 12582912.0f;  // round to nearest: 1.5 * 2^23
  const Floats f = clamped - k;
  Floats p = 1.3276354e-3f * f + 9.6755074e-3f;
  p = p * f + 5.5507135e-2f;
  p = p * f + 2.4022120e-1f;
  p = p * f + 6.9314694e-1f;
  p = p * f + 1.0000001f;
  const Ints exponent = (__builtin_convertvector(k, Ints) + 127) << 23;  // 2^k as float bits
  Floats two_k;
  std::memcpy(&two_k, &exponent, sizeof two_k);
  const Floats e = t < -126.0f ? 0.0f : p * two_k;
  return (x < 0.0f ? x * e : x) / (1.0f + e);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) void silu_range(float* data,
                                                                             size_t count) {
  size_t i = 0;
  for (; i + 16 <= count; i += 16) {
    Floats x;
    std::memcpy(&x, data + i, sizeof x);
    x = silu16(x);
    std::memcpy(data + i, &x, sizeof x);
  }
  for (; i < count; ++i) data[i] = data[i] / (1.0f + std::exp(-data[i]));
}

}  // namespace

void silu_in_place(float* data, size_t count) {
  constexpr int64_t kChunk = 16 << 10;  // values: less is computed faster than threads start
  const int64_t chunks = static_cast<int64_t>((count + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const size_t first = static_cast<size_t>(c * kChunk);
    silu_range(data + first, std::min<size_t>(kChunk, count - first));
  }
}

}  // namespace cosched
