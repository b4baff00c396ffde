#include "cos/exec/cpu/fast_softmax.h"

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

__attribute__((target("avx2,fma"))) void softmax_row_avx2(const float* in, float* out,
                                                          int64_t len) {
  softmax_row(in, out, len);
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
