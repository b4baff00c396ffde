#include "cos/exec/cpu/packed_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "cos/exec/cpu/fast_gelu.h"
#include "cos/exec/cpu/gemm_tile.h"

namespace cosched {
namespace {

using gemm_tile::kColumns;
using gemm_tile::kRows;
constexpr int64_t kDepth = 256;  // of a panel slice: 16 KB, stays in L1 over the rows
// Rows of A per depth slice: 240 KB, stays in L2 over the panels. Each block of rows reads all
// of B's slice again, from memory for large weights, so the blocks are as large as L2 allows
// (vit_b_16 on one core, five alternating pairs: 96-row blocks ran 1-10% slower, median 4%).
constexpr int64_t kRowBlock = 240;
// An output larger than this (half of a Zen 3's L2) would be read and written again from L3
// for every 256-deep slice. Such products instead take blocks of four panels outermost and run
// each tile of rows through slices up to 768 deep, reading the block's slice (192 KB) from L2:
// vit_b_16's fc1 (197x768 by 768x3072, 2.4 MB of output) ran 5-8% faster on one core in three
// interleaved runs, while products with outputs under 1 MB ran 0-5% slower that way.
constexpr int64_t kOutputInL2 = 1 << 20;
constexpr int64_t kDeepSlice = 768;
constexpr int64_t kBlockPanels = 4;

// Lines [part, part + 1) / parts of the `lines` 64-byte lines (16 floats each) at `slice`.
inline void prefetch_share(const float* slice, int64_t lines, int64_t part, int64_t parts) {
  for (int64_t l = part * lines / parts; l < (part + 1) * lines / parts; ++l)
    _mm_prefetch(reinterpret_cast<const char*>(slice + l * kColumns), _MM_HINT_T0);
}

// Rows `lda` apart, `depth` long, as [depth][rows] at `out`. Six rows (a whole tile) go eight
// columns at a time through a register transpose: element by element, the copy took 1-9% of
// vit_b_16's products.
__attribute__((target("avx2,fma"))) void pack_rows(const float* a, int64_t lda, int64_t rows,
                                                   int64_t depth, float* out) {
  int64_t d = 0;
  if (rows == kRows) {
    // Each column's store writes 8 floats of which the last 2 the next column's store replaces;
    // so the last group stops short of the end (the rest below), not writing past the tile.
    for (; d + 8 < depth; d += 8) {
      __m256 r[8];
      for (int i = 0; i < kRows; ++i) r[i] = _mm256_loadu_ps(a + i * lda + d);
      r[6] = r[7] = _mm256_setzero_ps();
      const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
      const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
      const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
      const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
      const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
      const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
      const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
      const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      // Column j of the eight: rows 0-3 in u's low or high half, rows 4-7 in the partner's.
      const __m256 columns[8] = {
          _mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
          _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
          _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
          _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
      for (int j = 0; j < 8; ++j) _mm256_storeu_ps(out + (d + j) * kRows, columns[j]);
    }
  }
  for (; d < depth; ++d)
    for (int64_t r = 0; r < rows; ++r) out[d * rows + r] = a[r * lda + d];
}

}  // namespace

std::unique_ptr<PackedGemm> PackedGemm::make(const DnnlContext& context, int64_t m, int64_t k,
                                             int64_t n, const float* b, bool b_transposed,
                                             std::vector<float> bias, Activation activation) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || k == 0) return nullptr;
  std::unique_ptr<PackedGemm> gemm(new PackedGemm(context, m, k, n, std::move(bias), activation));
  const int64_t panels = (n + kColumns - 1) / kColumns;
  const size_t bytes = static_cast<size_t>(panels * k * kColumns) * sizeof(float);
  gemm->panels_.reset(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
  gemm->slice_depth_ = m * n * int64_t{sizeof(float)} > kOutputInL2 ? kDeepSlice : kDepth;
  gemm_tile::pack_panels(b, b_transposed, k, n, gemm->slice_depth_, gemm->panels_.get());
  gemm->set_output_desc(plain_desc({m, n}));
  gemm->mark_packed(1);
  return gemm;
}

PackedGemm::PackedGemm(const DnnlContext& context, int64_t m, int64_t k, int64_t n,
                       std::vector<float> bias, Activation activation)
    : DnnlKernel(context, activation == Activation::relu   ? "own packed gemm + relu"
                          : activation == Activation::gelu ? "own packed gemm + gelu"
                                                           : "own packed gemm"),
      m_(m),
      k_(k),
      n_(n),
      bias_(std::move(bias)),
      activation_(activation),
      panels_(nullptr, std::free) {}

void PackedGemm::run(const KernelArgs& args) {
  const auto* a = static_cast<const float*>(args.inputs[0]);
  auto* c = static_cast<float*>(args.outputs[0]);
  const int64_t panels = (n_ + kColumns - 1) / kColumns;
  const int64_t tiles = (m_ + kRows - 1) / kRows;
  // A packed on each run, in one buffer per calling thread (the runtime's workers run kernels
  // at once; one buffer per kernel would hold vit_b_16's 50 MB).
  static thread_local std::vector<float> packed_a_buffer;
  packed_a_buffer.resize(std::max(packed_a_buffer.size(), static_cast<size_t>(m_ * k_)));
  float* packed_a = packed_a_buffer.data();
  // Each thread owns whole panels (columns of C): no thread waits for another once A is
  // packed, each tile of rows as [k][row] so that the kernel reads it in order.
#pragma omp parallel if (panels > 1)
  {
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tiles; ++t) {
      const int64_t rows = std::min(kRows, m_ - t * kRows);
      pack_rows(a + t * kRows * k_, k_, rows, k_, packed_a + t * kRows * k_);
    }
    const int64_t team = omp_get_num_threads(), me = omp_get_thread_num();
    const int64_t first = panels * me / team, last = panels * (me + 1) / team;
    if (slice_depth_ == kDepth)
      run_slices_outermost(packed_a, c, first, last);
    else
      run_blocks_outermost(packed_a, c, first, last);
  }
}

void PackedGemm::run_slices_outermost(const float* packed_a, float* c, int64_t first,
                                      int64_t last) const {
  for (int64_t depth_at = 0; depth_at < k_; depth_at += kDepth) {
    const int64_t depth = std::min(kDepth, k_ - depth_at);
    for (int64_t row_at = 0; row_at < m_; row_at += kRowBlock) {
      const int64_t row_end = std::min(m_, row_at + kRowBlock);
      for (int64_t p = first; p < last; ++p) {
        const float* panel = panel_slice(depth_at, p);
        const int64_t col = p * kColumns, tiles_here = (row_end - row_at + kRows - 1) / kRows;
        for (int64_t r = row_at; r < row_end; r += kRows) {
          // A share of the next panel's slice (right after this one) into L1 with each tile:
          // from memory, the cold weights' first tile would wait for every line (3% in fc1).
          if (p + 1 < last)
            prefetch_share(panel + depth * kColumns, depth, (r - row_at) / kRows, tiles_here);
          // The next tile's C rows, which it adds to: C is visited once per depth slice and
          // is too large for L2 in the wide products, so each tile would start on a miss.
          if (depth_at > 0)
            for (int64_t i = r + kRows; i < std::min(row_end, r + 2 * kRows); ++i)
              for (int64_t half = 0; half < kColumns; half += 8)
                _mm_prefetch(reinterpret_cast<const char*>(c + i * n_ + col + half), _MM_HINT_T0);
          product_tile(packed_a, r, std::min(kRows, row_end - r), p, depth_at, c);
        }
      }
    }
  }
}

void PackedGemm::run_blocks_outermost(const float* packed_a, float* c, int64_t first,
                                      int64_t last) const {
  for (int64_t block = first; block < last; block += kBlockPanels)
    for (int64_t depth_at = 0; depth_at < k_; depth_at += slice_depth_)
      for (int64_t r = 0; r < m_; r += kRows)
        for (int64_t p = block; p < std::min(last, block + kBlockPanels); ++p)
          product_tile(packed_a, r, std::min(kRows, m_ - r), p, depth_at, c);
}

const float* PackedGemm::panel_slice(int64_t depth_at, int64_t p) const {
  return panels_.get() + gemm_tile::panel_offset(k_, n_, slice_depth_, depth_at, p * kColumns);
}

void PackedGemm::product_tile(const float* packed_a, int64_t r, int64_t rows, int64_t p,
                              int64_t depth_at, float* c) const {
  const int64_t depth = std::min(slice_depth_, k_ - depth_at);
  const bool accumulate = depth_at > 0, deepest = depth_at + depth == k_;
  const bool relu = deepest && activation_ == Activation::relu;
  const bool gelu = deepest && activation_ == Activation::gelu;
  const float* panel = panel_slice(depth_at, p);
  const float* a_tile = packed_a + r * k_ + depth_at * rows;
  const int64_t col = p * kColumns, cols = std::min(kColumns, n_ - col);
  const float* init = bias_.empty() ? nullptr : bias_.data() + col;
  if (cols == kColumns) {
    gemm_tile::kTiles<true>[rows](a_tile, rows, panel, depth, c + r * n_ + col, n_, init,
                                  accumulate, relu);
    if (gelu) gelu_rows(c + r * n_ + col, rows, kColumns, n_);
    return;
  }
  // The last panel's columns past n: through a full tile here.
  float part[kRows * kColumns] = {}, part_init[kColumns] = {};
  if (init) std::memcpy(part_init, init, cols * sizeof(float));
  for (int64_t i = 0; i < rows && accumulate; ++i)
    std::memcpy(part + i * kColumns, c + (r + i) * n_ + col, cols * sizeof(float));
  gemm_tile::kTiles<true>[rows](a_tile, rows, panel, depth, part, kColumns,
                                init ? part_init : nullptr, accumulate, relu);
  if (gelu) gelu_rows(part, rows, cols, kColumns);
  for (int64_t i = 0; i < rows; ++i)
    std::memcpy(c + (r + i) * n_ + col, part + i * kColumns, cols * sizeof(float));
}

}  // namespace cosched
