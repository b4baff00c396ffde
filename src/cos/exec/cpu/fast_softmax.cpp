#include "cos/exec/cpu/fast_softmax.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "cos/exec/cpu/fast_exp.h"

namespace cosched {
namespace {

using Floats = fast_exp::Floats8;
constexpr int64_t kLanes = sizeof(Floats) / sizeof(float);

// The vectors' lanes as floats (element access on the vector itself keeps GCC from using
// vector registers for it at all).
__attribute__((always_inline)) inline float lane_max(Floats v) {
  float lanes[kLanes];
  std::memcpy(lanes, &v, sizeof v);
  return *std::max_element(lanes, lanes + kLanes);
}

__attribute__((always_inline)) inline float lane_sum(Floats v) {
  float lanes[kLanes];
  std::memcpy(lanes, &v, sizeof v);
  return std::accumulate(lanes, lanes + kLanes, 0.0f);
}

// A row's last values (fewer than a vector) as a vector, -inf past them (exp gives 0 there).
__attribute__((always_inline)) inline Floats tail_of(const float* row, int64_t count) {
  float lanes[kLanes];
  std::fill_n(lanes, kLanes, -INFINITY);
  std::copy_n(row, count, lanes);
  Floats v;
  std::memcpy(&v, lanes, sizeof v);
  return v;
}

__attribute__((always_inline)) inline void softmax_row(const float* in, float* out, int64_t len) {
  const int64_t whole = len / kLanes * kLanes, rest = len - whole;
  const Floats tail = tail_of(in + whole, rest);
  Floats top = tail;
  for (int64_t i = 0; i < whole; i += kLanes) {
    Floats x;
    std::memcpy(&x, in + i, sizeof x);
    top = x > top ? x : top;
  }
  const float max = lane_max(top);
  const Floats tail_exp = fast_exp::exp_nonpositive(tail - max);
  Floats sums = tail_exp;
  for (int64_t i = 0; i < whole; i += kLanes) {
    Floats x;
    std::memcpy(&x, in + i, sizeof x);
    x = fast_exp::exp_nonpositive(x - max);
    sums += x;
    std::memcpy(out + i, &x, sizeof x);
  }
  const float scale = 1.0f / lane_sum(sums);
  for (int64_t i = 0; i < whole; i += kLanes) {
    Floats x;
    std::memcpy(&x, out + i, sizeof x);
    x *= scale;
    std::memcpy(out + i, &x, sizeof x);
  }
  const Floats scaled_tail = tail_exp * scale;
  std::memcpy(out + whole, &scaled_tail, rest * sizeof(float));
}

__attribute__((target("avx2,fma"))) inline float max_of(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_max_ss(m, _mm_movehdup_ps(m)));
}

__attribute__((target("avx2,fma"))) inline float sum_of(__m256 v) {
  __m128 m = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_add_ps(m, _mm_movehl_ps(m, m));
  return _mm_cvtss_f32(_mm_add_ss(m, _mm_movehdup_ps(m)));
}

__attribute__((target("avx2,fma"))) inline __m256 exp_of_difference(__m256 x, __m256 max) {
  return (__m256)fast_exp::exp_nonpositive((Floats)_mm256_sub_ps(x, max));
}

// softmax_row in AVX2 registers: the tail through masked loads and stores, the lanes reduced
// in registers and the sum in two chains; the generic row's tail and lane reductions went
// through memory. vit_b_16's 12x197x197 on one core, seven interleaved rounds: 0.37-0.43 ms
// against 0.40-0.49 with 12 cold copies, 0.024-0.029 against 0.027-0.034 for 200 rows hot.
__attribute__((target("avx2,fma"))) void softmax_row_avx2(const float* in, float* out,
                                                          int64_t len) {
  const int64_t whole = len / kLanes * kLanes, rest = len - whole;
  const __m256i in_tail = _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(rest)),
                                             _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  // No access past a row that ends on a whole vector, not even a masked-off one.
  const __m256 tail = rest == 0 ? _mm256_set1_ps(-INFINITY)
                                : _mm256_blendv_ps(_mm256_set1_ps(-INFINITY),
                                                   _mm256_maskload_ps(in + whole, in_tail),
                                                   _mm256_castsi256_ps(in_tail));
  __m256 top = tail;
  for (int64_t i = 0; i < whole; i += kLanes) top = _mm256_max_ps(top, _mm256_loadu_ps(in + i));
  const __m256 max = _mm256_set1_ps(max_of(top));
  const __m256 tail_exp = exp_of_difference(tail, max);
  __m256 sum = tail_exp, other_sum = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 2 * kLanes <= whole; i += 2 * kLanes) {
    const __m256 e = exp_of_difference(_mm256_loadu_ps(in + i), max);
    const __m256 next = exp_of_difference(_mm256_loadu_ps(in + i + kLanes), max);
    sum = _mm256_add_ps(sum, e);
    other_sum = _mm256_add_ps(other_sum, next);
    _mm256_storeu_ps(out + i, e);
    _mm256_storeu_ps(out + i + kLanes, next);
  }
  if (i < whole) {
    const __m256 e = exp_of_difference(_mm256_loadu_ps(in + i), max);
    sum = _mm256_add_ps(sum, e);
    _mm256_storeu_ps(out + i, e);
  }
  const __m256 scale = _mm256_set1_ps(1.0f / sum_of(_mm256_add_ps(sum, other_sum)));
  for (i = 0; i < whole; i += kLanes)
    _mm256_storeu_ps(out + i, _mm256_mul_ps(_mm256_loadu_ps(out + i), scale));
  if (rest > 0) _mm256_maskstore_ps(out + whole, in_tail, _mm256_mul_ps(tail_exp, scale));
}

void softmax_row_plain(const float* in, float* out, int64_t len) {
  softmax_row(in, out, len);
}

}  // namespace

void softmax_rows(const float* in, float* out, int64_t rows, int64_t len) {
  constexpr int64_t kChunk = 16 << 10;  // values: less is computed faster than threads start
  const int64_t per_chunk = std::max<int64_t>(1, kChunk / std::max<int64_t>(len, 1));
  const int64_t chunks = (rows + per_chunk - 1) / per_chunk;
  static const auto row = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
                              ? softmax_row_avx2
                              : softmax_row_plain;
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t r = c * per_chunk; r < std::min(rows, (c + 1) * per_chunk); ++r)
      row(in + r * len, out + r * len, len);
}

}  // namespace cosched
