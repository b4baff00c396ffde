#include "cos/exec/cpu/fast_silu.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "cos/exec/cpu/fast_exp.h"

namespace cosched {

namespace {

// With e = exp(-|x|): x / (1 + e) for x >= 0, x e / (1 + e) below (no overflow).
template <typename Vector>
__attribute__((always_inline)) inline void silu_range(float* data, size_t count) {
  size_t i = 0;
  for (constexpr size_t lanes = sizeof(Vector) / sizeof(float); i + lanes <= count; i += lanes) {
    Vector x;
    std::memcpy(&x, data + i, sizeof x);
    const Vector e = fast_exp::exp_nonpositive(x < 0.0f ? x : -x);
    x = (x < 0.0f ? x * e : x) / (1.0f + e);
    std::memcpy(data + i, &x, sizeof x);
  }
  for (; i < count; ++i) data[i] = data[i] / (1.0f + std::exp(-data[i]));
}

// 16 lanes on AVX-512; 8 on AVX2 (with 16, GCC 12 compiled the selects lane by lane:
// 5.2 ns a value on a Zen 3 core, 0.7 with 8 and FMA).
__attribute__((target("avx512f"))) void silu_range_avx512(float* data, size_t count) {
  silu_range<fast_exp::Floats>(data, count);
}

__attribute__((target("avx2,fma"))) void silu_range_avx2(float* data, size_t count) {
  silu_range<fast_exp::Floats8>(data, count);
}

void silu_range_plain(float* data, size_t count) {
  silu_range<fast_exp::Floats8>(data, count);
}

}  // namespace

void silu_in_place(float* data, size_t count) {
  constexpr int64_t kChunk = 16 << 10;  // values: less is computed faster than threads start
  const int64_t chunks = static_cast<int64_t>((count + kChunk - 1) / kChunk);
  static const auto range = __builtin_cpu_supports("avx512f") ? silu_range_avx512
                            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                                ? silu_range_avx2
                                : silu_range_plain;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) {
    const size_t first = static_cast<size_t>(c * kChunk);
    range(data + first, std::min<size_t>(kChunk, count - first));
  }
}

}  // namespace cosched
