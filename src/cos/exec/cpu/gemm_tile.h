#pragma once

#include <immintrin.h>

#include <cstdint>

namespace cosched::gemm_tile {

constexpr int64_t kColumns = 16;  // of a panel: two 8-float vectors
constexpr int64_t kRows = 6;      // of the kernel: 12 accumulators, 2 of B, 1 of A

// rows x 16 of C (ldc apart) from a tile of A times a panel slice [depth][16]: added to C, or
// started from `init` (16 values) or zeros; Relu at the end. A is packed [depth][rows]
// (`packed_a`, as PackedGemm packs it) or is `rows` rows `lda` apart, each `depth` long.
// (The loops are unrolled by pragma so that the accumulators stay in registers: unrolled
// later, GCC stores them to the stack on every step.)
template <int rows, bool packed_a>
__attribute__((target("avx2,fma"))) void tile(const float* a, int64_t lda, const float* panel,
                                              int64_t depth, float* c, int64_t ldc,
                                              const float* init, bool accumulate, bool relu) {
  __m256 left[rows], right[rows];
  if (accumulate) {
#pragma GCC unroll 6
    for (int r = 0; r < rows; ++r) {
      left[r] = _mm256_loadu_ps(c + r * ldc);
      right[r] = _mm256_loadu_ps(c + r * ldc + 8);
    }
  } else {
    const __m256 l = init ? _mm256_loadu_ps(init) : _mm256_setzero_ps();
    const __m256 h = init ? _mm256_loadu_ps(init + 8) : _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int r = 0; r < rows; ++r) left[r] = l, right[r] = h;
  }
#pragma GCC unroll 4
  for (int64_t k = 0; k < depth; ++k) {
    const __m256 b0 = _mm256_load_ps(panel + k * kColumns);
    const __m256 b1 = _mm256_load_ps(panel + k * kColumns + 8);
#pragma GCC unroll 6
    for (int r = 0; r < rows; ++r) {
      const __m256 x = _mm256_broadcast_ss(packed_a ? a + k * rows + r : a + r * lda + k);
      left[r] = _mm256_fmadd_ps(x, b0, left[r]);
      right[r] = _mm256_fmadd_ps(x, b1, right[r]);
    }
  }
  if (relu) {
    const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 6
    for (int r = 0; r < rows; ++r) {
      left[r] = _mm256_max_ps(left[r], zero);
      right[r] = _mm256_max_ps(right[r], zero);
    }
  }
#pragma GCC unroll 6
  for (int r = 0; r < rows; ++r) {
    _mm256_storeu_ps(c + r * ldc, left[r]);
    _mm256_storeu_ps(c + r * ldc + 8, right[r]);
  }
}

using Tile = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, const float*,
                      bool, bool);
// By row count (1 to kRows).
template <bool packed_a>
constexpr Tile kTiles[kRows + 1] = {nullptr,           tile<1, packed_a>, tile<2, packed_a>,
                                    tile<3, packed_a>, tile<4, packed_a>, tile<5, packed_a>,
                                    tile<6, packed_a>};

// Copies B (K x N, or N x K when `b_transposed`) to `out` as panels of 16 columns, slice by
// slice of `slice_depth` deep, each slice's panels one after another (a run reads B in order: 3%
// faster in vit's products with the weights cold than each panel's whole depth together), zeros
// past column n. Returns the end of what it wrote.
float* pack_panels(const float* b, bool b_transposed, int64_t k, int64_t n, int64_t slice_depth,
                   float* out);
// Where pack_panels puts B's value at (d, col).
int64_t panel_offset(int64_t k, int64_t n, int64_t slice_depth, int64_t d, int64_t col);

}  // namespace cosched::gemm_tile
