#include "cos/exec/cpu/packed_gemm.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

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

// Lines [part, part + 1) / parts of the `lines` 64-byte lines (16 floats each) at `slice`.
inline void prefetch_share(const float* slice, int64_t lines, int64_t part, int64_t parts) {
  for (int64_t l = part * lines / parts; l < (part + 1) * lines / parts; ++l)
    _mm_prefetch(reinterpret_cast<const char*>(slice + l * kColumns), _MM_HINT_T0);
}

}  // namespace

std::unique_ptr<PackedGemm> PackedGemm::make(const DnnlContext& context, int64_t m, int64_t k,
                                             int64_t n, const float* b, bool b_transposed,
                                             std::vector<float> bias, bool relu) {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || k == 0) return nullptr;
  std::unique_ptr<PackedGemm> gemm(new PackedGemm(context, m, k, n, std::move(bias), relu));
  const int64_t panels = (n + kColumns - 1) / kColumns;
  const size_t bytes = static_cast<size_t>(panels * k * kColumns) * sizeof(float);
  gemm->panels_.reset(static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)));
  gemm_tile::pack_panels(b, b_transposed, k, n, kDepth, gemm->panels_.get());
  gemm->set_output_desc(plain_desc({m, n}));
  gemm->mark_packed(1);
  return gemm;
}

PackedGemm::PackedGemm(const DnnlContext& context, int64_t m, int64_t k, int64_t n,
                       std::vector<float> bias, bool relu)
    : DnnlKernel(context, relu ? "own packed gemm + relu" : "own packed gemm"),
      m_(m),
      k_(k),
      n_(n),
      bias_(std::move(bias)),
      relu_(relu),
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
      float* out = packed_a + t * kRows * k_;
      for (int64_t r = 0; r < rows; ++r) {
        const float* row = a + (t * kRows + r) * k_;
        for (int64_t d = 0; d < k_; ++d) out[d * rows + r] = row[d];
      }
    }
    const int64_t team = omp_get_num_threads(), me = omp_get_thread_num();
    const int64_t first = panels * me / team, last = panels * (me + 1) / team;
    for (int64_t depth_at = 0; depth_at < k_; depth_at += kDepth) {
      const int64_t depth = std::min(kDepth, k_ - depth_at);
      const bool accumulate = depth_at > 0, relu = relu_ && depth_at + depth == k_;
      for (int64_t row_at = 0; row_at < m_; row_at += kRowBlock) {
        const int64_t row_end = std::min(m_, row_at + kRowBlock);
        for (int64_t p = first; p < last; ++p) {
          const float* panel = panels_.get() + (depth_at * panels + p * depth) * kColumns;
          const int64_t col = p * kColumns, cols = std::min(kColumns, n_ - col);
          const float* init = bias_.empty() ? nullptr : bias_.data() + col;
          const int64_t tiles_here = (row_end - row_at + kRows - 1) / kRows;
          for (int64_t r = row_at; r < row_end; r += kRows) {
            const int64_t rows = std::min(kRows, row_end - r);
            // A share of the next panel's slice (right after this one) into L1 with each tile:
            // from memory, the cold weights' first tile would wait for every line (3% in fc1).
            if (p + 1 < last)
              prefetch_share(panel + depth * kColumns, depth, (r - row_at) / kRows, tiles_here);
            const float* a_tile = packed_a + r * k_ + depth_at * rows;
            if (cols == kColumns) {
              gemm_tile::kTiles<true>[rows](a_tile, rows, panel, depth, c + r * n_ + col, n_, init,
                                            accumulate, relu);
              continue;
            }
            // The last panel's columns past n: through a full tile here.
            float part[kRows * kColumns] = {}, part_init[kColumns] = {};
            if (init) std::memcpy(part_init, init, cols * sizeof(float));
            for (int64_t i = 0; i < rows && accumulate; ++i)
              std::memcpy(part + i * kColumns, c + (r + i) * n_ + col, cols * sizeof(float));
            gemm_tile::kTiles<true>[rows](a_tile, rows, panel, depth, part, kColumns,
                                          init ? part_init : nullptr, accumulate, relu);
            for (int64_t i = 0; i < rows; ++i)
              std::memcpy(c + (r + i) * n_ + col, part + i * kColumns, cols * sizeof(float));
          }
        }
      }
    }
  }
}

}  // namespace cosched
